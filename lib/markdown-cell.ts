/**
 * Text made safe for one cell of a Markdown (GFM) table: a `|` would end the cell and a line
 * break would end the row, so a `|` is escaped (also inside a code span, where GFM reads `\|` as
 * `|`) and every run of line breaks becomes one space. The one helper every generated table
 * uses (docs, what-if reports, diff summaries, the HAProxy README).
 */
export function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}
