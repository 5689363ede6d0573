/**
 * Container image references and what "pinned" means for the diff.
 *
 * An image is **pinned** when it names a digest (`@sha256:<64 hex>`) or its tag contains a
 * dotted version: digits, a dot, digits (`v1.2.3`, `1.2`, `2026.3.0`, `1.27-alpine`). Anything
 * else is **mutable**: no tag (`nginx`, which means `latest`), `latest`, branch-like tags (`main`,
 * `stable`, `edge`, `dev`) and bare majors (`redis:7`), because the registry can move them
 * under the same name.
 */

/** The parts of an image reference. */
export interface ImageRef {
  /** Registry and repository, e.g. `ghcr.io/org/app`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:...` when the reference names a digest. */
  readonly digest?: string;
}

const DIGEST = /@(sha256:[0-9a-f]{64})$/;
const VERSION = /\d+\.\d+/;

/** Splits `registry:port/repo:tag@sha256:...` into repository, tag and digest. */
export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const d = DIGEST.exec(rest);
  if (d) {
    digest = d[1];
    rest = rest.slice(0, d.index);
  }
  const colon = rest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry port (`registry:5000/app`), not a tag.
  if (colon > rest.lastIndexOf('/')) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repository: rest, ...(digest ? { digest } : {}) };
}

/** Whether a tag alone pins a version (contains digits-dot-digits). */
export function isPinnedTag(tag: string): boolean {
  return VERSION.test(tag);
}

/** Whether an image reference is pinned (digest, or a tag with a dotted version). */
export function isPinnedImage(ref: string): boolean {
  const image = parseImage(ref);
  return image.digest !== undefined || (image.tag !== undefined && isPinnedTag(image.tag));
}
