import { X509Certificate } from 'crypto';

/** One PEM block: its label and base64 body. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The certificates of a PEM text (each `-----BEGIN CERTIFICATE-----` block), in order. */
export function pemCertificates(text: string): X509Certificate[] {
  return [...text.matchAll(PEM_BLOCK)].filter((m) => m[1] === 'CERTIFICATE').map((m) => new X509Certificate(m[0]));
}

/**
 * Why `text` is not a PEM bundle of CA certificates, or undefined when it is: one or more
 * `CERTIFICATE` blocks, each parsing as an X.509 certificate, and nothing else (no private key).
 */
export function pemProblem(text: string): string | undefined {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return 'must be a PEM certificate ("-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----", e.g. UCS\'s /etc/univention/ssl/ucsCA/CAcert.pem) or a Bitwarden reference "bitwarden:<item name>#notes"';
  const other = blocks.find((m) => m[1] !== 'CERTIFICATE');
  if (other) return `holds a "${other[1]}" block; only CERTIFICATE blocks belong here (the CA's public certificate${/PRIVATE KEY/.test(other[1]) ? ', never its private key' : ''})`;
  const rest = text.replace(PEM_BLOCK, '').trim();
  if (rest) return `has text outside the PEM blocks (${JSON.stringify(rest.slice(0, 20))}...); paste only the certificate blocks`;
  for (const [i, m] of blocks.entries()) {
    try {
      const cert = new X509Certificate(m[0]);
      if (!cert.ca) return `certificate ${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not a CA certificate (basicConstraints CA:FALSE); give the CA that signs the directory's certificate, not the server certificate`;
    } catch {
      return `certificate ${i + 1} does not parse as an X.509 certificate (cut short or altered?); paste it again whole from the UCS primary (/etc/univention/ssl/ucsCA/CAcert.pem)`;
    }
  }
  return undefined;
}
