import { Construct } from 'constructs';
import { platformContext } from '../context';
import { PlatformError } from '../platform-error';
import { ChartObject, ChartRenderer } from '../render/chart-renderer';
import type { ChartVersion } from '../versions';
import { UpstreamObjects, UpstreamObjectsProps } from './upstream-objects';

/** A change to one object the chart renders, for what no value of the chart sets. */
export interface ChartPatch {
  readonly kind: string;
  readonly name: string;
  /** Why the chart's values cannot do it (the template that lacks the value). */
  readonly because: string;
  /** Changes the object in place (it is a copy: renders are shared within a process). */
  readonly patch: (object: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface HelmComponentProps<V extends object> extends UpstreamObjectsProps {
  /** Component name: the Helm release. A DNS label; it is API (every object name derives from it). */
  readonly name: string;
  /** The chart, from the versions map (`versions.<component>`); vendored under vendor/charts. */
  readonly chart: ChartVersion;
  /** Namespace the chart is installed in (the release namespace, set on every namespaced object). */
  readonly namespace: string;
  /** Typed Helm values. Every key must be one the chart reads (or lie under `freeFormValues`). */
  readonly values: V;
  /**
   * Value paths under which any key is accepted although no template names it (dot paths, `*`
   * for one segment), e.g. a map the chart passes to `tpl` by a computed name.
   * @default - none
   */
  readonly freeFormValues?: readonly string[];
  /**
   * Changes to rendered objects where no value of the chart sets what the platform needs (a
   * security context, a probe), each with why. A patch that matches nothing rendered is an
   * error, so a chart bump that renames an object cannot silently drop it.
   * @default - none
   */
  readonly patches?: readonly ChartPatch[];
}

/**
 * An upstream Helm chart rendered at synth: the vendored chart (vendor/lock.yaml) goes through
 * the pinned helm with the typed values, and every object it renders becomes a plain object of
 * the layer, one file each in `dist/<layer>/`. What helm does is deterministic here: a chart
 * that renders random values is a synth error.
 */
export class HelmComponent<V extends object> extends UpstreamObjects {
  public readonly props: HelmComponentProps<V>;

  constructor(scope: Construct, id: string, props: HelmComponentProps<V>) {
    super(scope, id, props);
    if (!/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/.test(props.name)) {
      throw new Error(`${this.node.path}: release name "${props.name}" must be a DNS label of at most 53 characters`);
    }
    for (const p of props.patches ?? []) if (!p.because.trim()) throw new Error(`${this.node.path}: the patch of ${p.kind}/${p.name} needs a reason (because)`);
    this.props = props;
  }

  protected valuesForDeclarations(): unknown {
    return this.props.values;
  }

  protected describe(): string {
    return `chart ${this.props.chart.chart} ${this.props.chart.version} (release ${this.props.name})`;
  }

  protected renderObjects(renderer: ChartRenderer, apiVersions: readonly string[]) {
    const ctx = platformContext(this);
    const kubeVersion = ctx.versions.k3s.version.replace(/\+.*$/, '');
    const req = {
      chart: this.props.chart.chart,
      version: this.props.chart.version,
      release: this.props.name,
      namespace: this.props.namespace,
      values: this.props.values,
      kubeVersion,
      apiVersions,
    };
    const source = renderer.vendored(req.chart, req.version);
    const unread = renderer.unreadValues(source, this.props.values, this.props.freeFormValues ?? []);
    if (unread.length) {
      throw new PlatformError(`${this.node.path}: ${unread.length} value${unread.length === 1 ? '' : 's'} that ${this.describe()} does not read (helm would drop ${unread.length === 1 ? 'it' : 'them'} silently):\n  ${unread.map((f) => `${f.path}: ${f.reason}`).join('\n  ')}\nremove ${unread.length === 1 ? 'it' : 'them'}, use the path the chart reads, or list a free-form subtree in freeFormValues with why`);
    }
    const render = renderer.render(req);
    return this.patched(renderer.objectsOf(render, this.describe()));
  }

  private patched(objects: ChartObject[]): ChartObject[] {
    const patches = this.props.patches ?? [];
    if (!patches.length) return objects;
    const matches = (p: ChartPatch, o: Record<string, unknown>) => o.kind === p.kind && (o.metadata as { name?: string } | undefined)?.name === p.name;
    const unmatched = patches.filter((p) => !objects.some(({ object }) => matches(p, object)));
    if (unmatched.length) throw new PlatformError(`${this.node.path}: patches name ${unmatched.map((p) => `${p.kind}/${p.name}`).join(', ')}, which the chart does not render`);
    return objects.map((o) => {
      const mine = patches.filter((p) => matches(p, o.object));
      if (!mine.length) return o;
      const object = structuredClone(o.object);
      for (const p of mine) p.patch(object);
      return { ...o, object };
    });
  }
}
