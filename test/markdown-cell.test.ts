import { tableCell } from '../lib/markdown-cell';

describe('tableCell', () => {
  test('GIVEN text with a pipe WHEN made a table cell THEN the pipe is escaped, inside a code span too', () => {
    expect(tableCell('a | b')).toBe('a \\| b');
    expect(tableCell('`x|y`')).toBe('`x\\|y`');
  });

  test('GIVEN text over several lines WHEN made a table cell THEN each run of line breaks is one space, so the row stays one line', () => {
    expect(tableCell('one\ntwo')).toBe('one two');
    expect(tableCell('one\r\n\r\ntwo\rthree')).toBe('one two three');
    expect(tableCell('plain')).toBe('plain');
  });
});
