import { Construct } from 'constructs';
import { ChartRenderer } from '../render/chart-renderer';
import type { GitVersion } from '../versions';
import { UpstreamObjects, UpstreamObjectsProps } from './upstream-objects';

/** A kustomize patch applied to the upstream manifests at synth. */
export interface GitComponentPatch {
  /** Which objects the patch applies to. */
  readonly target: {
    readonly group?: string;
    readonly version?: string;
    readonly kind: string;
    readonly name?: string;
    readonly namespace?: string;
  };
  /** A strategic-merge or JSON6902 patch, as YAML text. */
  readonly patch: string;
}

export interface GitComponentProps extends UpstreamObjectsProps {
  /** Component name: names its render in render-cache/. A DNS label. */
  readonly name: string;
  /** The manifest set's name in vendor/lock.yaml (the versions map key, e.g. `external-snapshotter`). */
  readonly upstream: string;
  /** The repository, folder and pinned tag, from the versions map (`versions.<component>`). */
  readonly source: GitVersion;
  /**
   * Kustomize image overrides, `[old=]name:tag` (a release tag's kustomization may pin an older image).
   * @default - none (the folder's own images)
   */
  readonly images?: readonly string[];
  /**
   * Kustomize patches, e.g. to drop an object the platform renders itself.
   * @default - none
   */
  readonly patches?: readonly GitComponentPatch[];
}

/**
 * Upstream plain manifests or a kustomization, vendored at a release tag (vendor/lock.yaml) and
 * rendered at synth with `kubectl kustomize` (images and patches applied): every object becomes a
 * plain object of the layer, one file each in `dist/<layer>/`.
 */
export class GitComponent extends UpstreamObjects {
  public readonly props: GitComponentProps;

  constructor(scope: Construct, id: string, props: GitComponentProps) {
    super(scope, id, props);
    if (!/^[a-z0-9]([-a-z0-9]{0,57}[a-z0-9])?$/.test(props.name)) {
      throw new Error(`${this.node.path}: component name "${props.name}" must be a DNS label of at most 59 characters`);
    }
    this.props = props;
  }

  protected describe(): string {
    return `${this.props.upstream} ${this.props.source.version} (${this.props.source.path})`;
  }

  protected renderObjects(renderer: ChartRenderer) {
    const { props } = this;
    const kustomization = {
      resources: [props.source.path],
      ...(props.images?.length ? { images: props.images.map(parseImage) } : {}),
      ...(props.patches?.length ? { patches: props.patches.map((p) => ({ target: { ...p.target }, patch: p.patch })) } : {}),
    };
    const render = renderer.renderKustomization({ name: props.upstream, version: props.source.version, release: props.name, kustomization });
    return renderer.objectsOf(render, this.describe());
  }
}

/** `[old=]name:tag` as a kustomize image entry. */
function parseImage(spec: string): { name: string; newName?: string; newTag?: string } {
  const [left, right] = spec.includes('=') ? spec.split('=', 2) : [undefined, spec];
  const i = right.lastIndexOf(':');
  const image = i > right.lastIndexOf('/') ? right.slice(0, i) : right;
  const tag = i > right.lastIndexOf('/') ? right.slice(i + 1) : undefined;
  const name = left ?? image;
  return { name, ...(left && left !== image ? { newName: image } : {}), ...(tag ? { newTag: tag } : {}) };
}
