import { identity, isMap, JsonMap, valueAt } from '../k8s/manifest';
import { loadManifests } from '../k8s/manifest-yaml';
import type { ParseManifests } from '../k8s/tree';
import type { RenderedFile } from '../render/rendered-file';
import { groupOf } from './groups';
import { expandEmbeddedValues, holdsEmbeddedValues } from './helm-values';
import type { ObjectRef } from './model';

/** One object read from a rendered file, with embedded Helm values expanded. */
export interface ParsedObject {
  readonly ref: ObjectRef;
  readonly obj: JsonMap;
}

/** What a manifest file holds: its objects, or why it is compared as text instead. */
export type ParsedFile =
  | { readonly objects: readonly ParsedObject[]; readonly problem?: undefined }
  | { readonly objects?: undefined; readonly problem: string };

/** A Kubernetes object as the diff reads it: a map with these fields set. */
type KubeObject = JsonMap & { apiVersion: string; kind: string; metadata: JsonMap & { name: string } };

function isKubeObject(doc: unknown): doc is KubeObject {
  return isMap(doc) && typeof doc.apiVersion === 'string' && typeof doc.kind === 'string' && typeof valueAt(doc, 'metadata.name') === 'string';
}

/**
 * Parses every YAML document of a file into objects. A file that is not YAML, or holds a
 * document that is not a Kubernetes object (a `kustomization.yaml`), is compared as text.
 * `documents`: reads a file's documents as `loadManifests` does (the render's `RenderedDocuments.parse`,
 * which gives the documents it serialised without parsing); those may be the render's own, so an
 * object whose embedded values are expanded is copied first. @default loadManifests
 */
export function parseManifests(file: RenderedFile, documents?: ParseManifests): ParsedFile {
  if (!/\.ya?ml$/.test(file.path)) return { problem: 'not a YAML manifest' };
  const objects: ParsedObject[] = [];
  let docs: unknown[];
  try {
    docs = (documents ?? loadManifests)(file.content, file.path);
  } catch (e) {
    return { problem: `YAML error: ${(e as Error).message.split('\n')[0]}` };
  }
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue;
    if (!isKubeObject(doc)) return { problem: 'not a Kubernetes object' };
    const data = documents && holdsEmbeddedValues(doc) ? structuredClone(doc) : doc;
    expandEmbeddedValues(data);
    const ns = data.metadata.namespace;
    objects.push({
      ref: {
        id: identity(data),
        apiVersion: data.apiVersion,
        kind: data.kind,
        ...(typeof ns === 'string' && ns ? { namespace: ns } : {}),
        name: data.metadata.name,
        group: groupOf(file.path),
        file: file.path,
      },
      obj: data,
    });
  }
  return { objects };
}
