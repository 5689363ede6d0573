import { stringify } from 'yaml';
import { CRD_SCHEMAS, crdSchemaFile } from './kinds';

/** Where the CRD manifests `cdk8s import` reads live (listed in cdk8s.yaml `imports:`), relative to the repository. */
export const CRD_IMPORT_DIR = 'imports/crds';

/** One CRD manifest file for `cdk8s import`: its path relative to the repository, and its YAML. */
export interface CrdImportFile {
  /** `imports/crds/<group>.yaml`. */
  readonly path: string;
  /** Every typed custom resource of the group, each as a CustomResourceDefinition. */
  readonly content: string;
}

/**
 * The CRD manifests behind the typed classes in `imports/`: for each API group with a typed
 * custom resource (`CRD_SCHEMAS`, `typed: true`), one file of CustomResourceDefinitions wrapping
 * the vendored JSON schemas (`readSchema` gets a path under `imports/schemas/`). cdk8s.yaml lists
 * exactly these files, so `cdk8s import` (and `npm run import`) regenerates `imports/<group>.ts`
 * offline.
 */
export function crdImportFiles(readSchema: (schemaFile: string) => Record<string, unknown>): CrdImportFile[] {
  const typed = CRD_SCHEMAS.filter((c) => c.typed);
  const groups = [...new Set(typed.map((c) => c.group))].sort();
  return groups.map((group) => {
    const docs = typed.filter((c) => c.group === group).map((c) => {
      const { $schema: _ignored, ...schema } = readSchema(crdSchemaFile(c.group, c.kind, c.version)); // eslint-disable-line @typescript-eslint/no-unused-vars
      return {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${c.plural}.${c.group}` },
        spec: {
          group: c.group,
          names: { kind: c.kind, plural: c.plural, singular: c.kind.toLowerCase(), listKind: `${c.kind}List` },
          scope: c.scope,
          versions: [{ name: c.version, served: true, storage: true, schema: { openAPIV3Schema: schema } }],
        },
      };
    });
    return { path: `${CRD_IMPORT_DIR}/${group}.yaml`, content: docs.map((d) => stringify(d)).join('---\n') };
  });
}
