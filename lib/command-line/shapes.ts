import { APP_NAME, IMAGE_REF } from '../config/app-schema';
import { DNS_LABEL, DNS_NAME } from '../config/schema';
import type { NumberShape, ValueShape } from './spec';

/**
 * The shapes of the option and argument values that have a fixed form (names, domains, numbers of
 * seconds, URLs): the program (program.ts) refuses any other value before the command runs, as a
 * command-line error (exit 2) naming the option and what it allows. What a value means (an app
 * that exists, a node of the cluster, a reachable URL) is the runner's to check.
 */

/** A positive number of seconds, in digits (`600`, `0.5`), at most `max` (`maxText` says how long that is). */
export function seconds(max: number, maxText: string, example: string): NumberShape {
  return {
    allowed: `a positive number of seconds, at most ${max} (${maxText}), in digits without a unit`,
    example,
    accepts: (v) => /^(\d+(\.\d*)?|\.\d+)$/.test(v) && Number(v) > 0 && Number(v) <= max,
    number: true,
  };
}

/** An app's name: the name of its file apps/<name>.yaml. */
export const APP: ValueShape = {
  allowed: 'an app name: lower-case letters, digits and "-", starting with a letter, at most 40 characters (the name of apps/<name>.yaml)',
  example: 'whiteboard',
  accepts: (v) => APP_NAME.test(v),
};

/** A node's name, as site.yaml's nodes[].name. */
export const NODE: ValueShape = {
  allowed: 'a node name: lower-case letters, digits and "-", at most 63 characters (nodes[].name of site.yaml)',
  example: 'www1',
  accepts: (v) => DNS_LABEL.test(v),
};

/** Node names, comma-separated (`www1,www2`; spaces around a name are dropped, as whatif does). */
export const NODES: ValueShape = {
  allowed: 'node names, comma-separated, none empty (nodes[].name of site.yaml: lower-case letters, digits and "-")',
  example: 'www1,www2',
  accepts: (v) => v.split(',').every((n) => DNS_LABEL.test(n.trim())),
};

/** The prefix import-compose puts before every app name (`shop` makes `shop-web`): room is left for the service's name within the 40 of an app name. */
export const APP_PREFIX: ValueShape = {
  allowed: 'lower-case letters, digits and "-", starting with a letter, at most 21 characters',
  example: 'shop',
  accepts: (v) => /^[a-z][-a-z0-9]{0,20}$/.test(v),
};

/** A DNS domain of at least two labels. */
export const DOMAIN: ValueShape = {
  allowed: 'a lower-case DNS domain of two labels or more',
  example: 'turnsys.com',
  accepts: (v) => DNS_NAME.test(v) && v.includes('.'),
};

/** `<service>=<image>`: a compose service and the pinned image to run it with; each service once. */
export const SERVICE_IMAGE: ValueShape = {
  allowed: '<service>=<image>, the image pinned: "registry/repository:tag" (not "latest") or "...@sha256:<digest>"',
  example: 'web=registry.turnsys.com/apps/web:1.4.2',
  accepts: (v) => {
    const eq = v.indexOf('=');
    if (eq < 1) return false;
    const m = IMAGE_REF.exec(v.slice(eq + 1));
    return !!m && (!!m.groups?.digest || (!!m.groups?.tag && m.groups.tag !== 'latest'));
  },
  keyOf: (v) => v.slice(0, v.indexOf('=')),
};

/** A pull request's number. */
export const PR_NUMBER: NumberShape = {
  allowed: 'a pull request number: a whole number from 1',
  example: '12',
  accepts: (v) => /^[1-9]\d{0,9}$/.test(v) && Number(v) <= 2 ** 31 - 1,
  number: true,
};

/** A commit, as git rev-parse prints it (or abbreviated). */
export const COMMIT: ValueShape = {
  allowed: 'a commit: 7 to 64 hexadecimal digits, as git rev-parse HEAD prints it',
  example: '1a2b3c4d',
  accepts: (v) => /^[0-9a-f]{7,64}$/i.test(v),
};

/** An http or https URL with a host. */
export const HTTP_URL: ValueShape = {
  allowed: 'an http:// or https:// URL with a host',
  example: 'https://git.turnsys.com/api/v1',
  accepts: (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  },
};

/** A board name as WBO accepts it (lib/drill/data-marker.ts). */
export const BOARD: ValueShape = {
  allowed: 'a WBO board name: letters, digits, "-", "_", "." or "~"',
  example: 'drill',
  accepts: (v) => /^[\w.~-]+$/.test(v),
};

/** The path of a URL on the app's host. */
export const URL_PATH: ValueShape = {
  allowed: 'a URL path starting with "/"',
  example: '/download/report.pdf',
  accepts: (v) => v.startsWith('/') && !v.startsWith('//') && !/\s/.test(v),
};

/** The name of a Kubernetes object (an Argo CD AppProject). */
export const OBJECT_NAME: ValueShape = {
  allowed: 'a Kubernetes object name: lower-case letters, digits, "-" and ".", at most 253 characters',
  example: 'platform',
  accepts: (v) => DNS_NAME.test(v),
};

/** A GitHub user or organisation name. */
export const GITHUB_USER: ValueShape = {
  allowed: 'a GitHub user name: letters, digits and single "-" (not first or last), at most 39 characters',
  example: 'tsys-mirror',
  accepts: (v) => /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(v),
};

/** A release of an upstream component, as vendor/lock.yaml records it. */
export const VERSION: ValueShape = {
  allowed: 'a release: a letter or digit, then letters, digits, ".", "_", "+" or "-" (no ranges, no spaces)',
  example: '0.15.2',
  accepts: (v) => /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(v),
};
