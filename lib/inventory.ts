import { Construct, IConstruct } from 'constructs';

/** A web UI published on the shared gateway: `<host>` -> HAProxy -> gateway VIP:port -> route. */
/** The input field an entry comes from, when a person wrote it (an app spec): clash errors name it. */
export interface EntrySource {
  /** The file, e.g. `apps/wiki.yaml`. */
  readonly file: string;
  /** The field, e.g. `expose.http.host`. */
  readonly field: string;
}

export interface HttpEntry {
  /** @default - written by the platform's code */
  readonly source?: EntrySource;
  /** Full host name, e.g. `rancher.turnsys.com`. */
  readonly host: string;
  /** Layer that publishes it. */
  readonly layer: string;
  /** What it is, for the table ops read. */
  readonly description: string;
  /** Gateway address and port HAProxy sends the traffic to. */
  readonly address: string;
  readonly port: number;
}

/** A TCP service on its own MetalLB address. */
export interface TcpEntry {
  readonly name: string;
  readonly layer: string;
  readonly description: string;
  readonly address: string;
  readonly port: number;
}

/** How a published API authenticates its callers. */
export type ApiAuth = 'none' | 'oidc' | 'jwt';

/** An API published on the shared gateway (a host, or a path prefix of a host). */
export interface ApiEntry {
  /** Full host name, e.g. `billing.turnsys.com`. */
  readonly host: string;
  /** Path prefix on that host: `/` for the whole host. */
  readonly pathPrefix: string;
  readonly layer: string;
  readonly description: string;
  readonly auth: ApiAuth;
  /** Where the API gateway's OIDC login returns to (`auth: 'oidc'` only); Keycloak must allow it. */
  readonly redirectUrl?: string;
}

/** A host behind single sign-on: Envoy Gateway logs users in to Keycloak there (lib/constructs/sso-login.ts). */
export interface SsoEntry {
  /** @default - written by the platform's code */
  readonly source?: EntrySource;
  /** Full host name, e.g. `longhorn.turnsys.com`. */
  readonly host: string;
  /** Where the login returns to: the realm's client must allow it. */
  readonly redirectUrl: string;
  /** Realm groups (the `groups` claim) allowed in; empty: every user of the realm. */
  readonly groups: readonly string[];
  readonly layer: string;
  readonly description: string;
}

/** An account or group the platform needs in the UCS directory. */
export interface LdapEntry {
  /** Distinguished name. */
  readonly dn: string;
  readonly kind: 'service account' | 'group';
  /** Who uses it and for what. */
  readonly purpose: string;
  /** The layer(s) that use it. */
  readonly usedBy: string;
}

/** How one component reaches the directory: the hosts it tries and the CA it trusts. */
export interface DirectoryClient {
  /** Every directory node in turn (true), or the primary only (the component takes one host). */
  readonly failover: boolean;
  /** The Secret (in the component's namespace) that holds the CA certificate it trusts. */
  readonly ca: { readonly namespace: string; readonly name: string; readonly key: string };
}

/** A component that logs users in against the directory. */
export interface DirectoryConsumer extends DirectoryClient {
  readonly usedBy: string;
}

/** A database (or keyspace, vhost...) the platform needs on the existing DBaaS. */
export interface DatabaseEntry {
  /** @default - written by the platform's code */
  readonly source?: EntrySource;
  /** DBaaS engine, as named under `dbaas:` in site.yaml. */
  readonly engine: 'postgresql' | 'mysql' | 'redis' | 'memcached' | 'mongodb' | 'etcd' | 'mqtt' | 'elasticsearch';
  /** Database name (or redis DB index, key prefix...). */
  readonly database: string;
  /** Account the component connects as. */
  readonly user: string;
  /** Bitwarden reference of that account's password. */
  readonly passwordRef: string;
  readonly usedBy: string;
  readonly purpose: string;
}

/** An upstream registry the k3s nodes pull through a mirror (`/etc/rancher/k3s/registries.yaml`). */
export interface RegistryMirror {
  /** Upstream registry as images name it, e.g. `docker.io`. */
  readonly registry: string;
  /** Mirror endpoint, e.g. `https://registry.turnsys.com`. */
  readonly endpoint: string;
  /** Repository rewrites on the mirror (regex -> replacement), e.g. `^(.*)$` -> `proxy-docker.io/$1`. */
  readonly rewrite: Readonly<Record<string, string>>;
  /** Layer that serves the mirror. */
  readonly layer: string;
}

/**
 * A service outside the cluster that the platform depends on. The catalogue (what each is, where
 * site.yaml names it, what an operator does while it is down) is in lib/docs/dependencies-docs.ts.
 */
export type OutsideService =
  | 'directory' | 'bitwarden' | 'git' | 'git-mirror' | 'haproxy' | 'dns' | 'registries'
  | 'backup-nfs' | 'backup-s3' | 'smtp' | 'alert-webhook' | `dbaas-${DatabaseEntry['engine']}`;

/** One component's use of an outside service, and what happens to it while the service is down. */
export interface OutsideUse {
  readonly service: OutsideService;
  /** The component (layer or tool) that uses it. */
  readonly usedBy: string;
  /** What for, in a few words. */
  readonly purpose: string;
  /** What stops working for this component while the service is down. */
  readonly whileDown: string;
  /** What the platform does about it (the last copy kept, retries, a second path...). */
  readonly mitigation: string;
}

/**
 * Metrics of a platform component that Prometheus scrapes: the component's layer registers it,
 * the monitoring layer renders a ServiceMonitor (or PodMonitor) for it in its own namespace, so
 * no layer waits for the monitoring layer's API.
 */
export interface ScrapeTarget {
  /** Name of the monitor (a DNS label, unique in the monitoring namespace). */
  readonly name: string;
  /** The layer that registers it. */
  readonly layer: string;
  /** Namespace of the Services (or pods) that serve the metrics. */
  readonly namespace: string;
  /** Labels of those Services (or pods). */
  readonly selector: Readonly<Record<string, string>>;
  /** Name of the port that serves the metrics. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** Scrape the pods directly (a PodMonitor), not a Service's endpoints. @default false */
  readonly pods?: boolean;
}

const ID = 'inventory';

/** The methods that add to the inventory, as `Inventory.record` names them. */
export const INVENTORY_ADDS = ['addScrapeTarget', 'addHttp', 'addTcp', 'addApi', 'addSso', 'addDatabase', 'addRegistryMirror', 'addDirectoryUse', 'addOutsideUse', 'addLdap'] as const;

/** One call that added to the inventory: the method and its arguments. */
export type InventoryCall = readonly [method: typeof INVENTORY_ADDS[number], args: readonly unknown[]];

/** Where `Inventory.record` collects calls, on the root of the tree being built. */
const RECORDING = Symbol.for('tsys.platform.inventory-recording');

type Recording = { [RECORDING]?: InventoryCall[] };

/**
 * Site-wide lists that constructs add to while the tree is built, and that rendered files
 * (the HAProxy backend list, docs/ldap.md) read at render time.
 */
export class Inventory extends Construct {
  /** The inventory of the app that contains `scope` (created on first use). */
  public static of(scope: IConstruct): Inventory {
    const root = scope.node.root;
    return (root.node.tryFindChild(ID) as Inventory | undefined) ?? new Inventory(root as Construct, ID);
  }

  public readonly http: HttpEntry[] = [];
  public readonly tcp: TcpEntry[] = [];
  public readonly ldap: LdapEntry[] = [];
  public readonly databases: DatabaseEntry[] = [];
  public readonly apis: ApiEntry[] = [];
  /** Hosts behind single sign-on, in the order they were added. */
  public readonly sso: SsoEntry[] = [];
  public readonly registryMirrors: RegistryMirror[] = [];
  public readonly outside: OutsideUse[] = [];
  /** Components that log in against the directory, how they reach it, sorted. */
  public readonly directoryConsumers: DirectoryConsumer[] = [];
  /** Components that read a user's groups from `memberOf` (UCS's memberOf overlay must be on), sorted. */
  public readonly memberOfReaders: string[] = [];
  /** Metrics the layers register for Prometheus, in the order registered (see ScrapeTarget). */
  public readonly scrapeTargets: ScrapeTarget[] = [];

  /**
   * Indexes of the lists above by what makes an entry unique (a thousand apps add a thousand
   * hosts: a scan per addition was quadratic). The lists only grow through the add methods.
   */
  private readonly httpByHost = new Map<string, HttpEntry>();
  private readonly tcpByAddress = new Map<string, TcpEntry>();
  private readonly ssoByHost = new Map<string, SsoEntry>();
  private readonly databaseByName = new Map<string, DatabaseEntry>();
  private readonly outsideIndex = new Map<string, number>();

  /** How deep in add* calls this inventory is: an add that another makes is not recorded on its own. */
  private depth = 0;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /**
   * Runs `build` (which builds constructs under `scope`'s tree) and returns the calls it made that
   * added to the inventory, in order (only the outermost: an add another add makes is part of it).
   * `Inventory.replay` of those calls leaves the inventory as `build` did.
   */
  public static record(scope: IConstruct, build: () => void): InventoryCall[] {
    const root = scope.node.root as unknown as Recording;
    const outer = root[RECORDING];
    const calls: InventoryCall[] = [];
    root[RECORDING] = calls;
    try {
      build();
    } finally {
      root[RECORDING] = outer;
    }
    return calls;
  }

  /** Whether every call of `calls` (read back from a cache, say) names a method that adds to the inventory: what `replay` makes. */
  public static replayable(calls: readonly (readonly [method: string, args: readonly unknown[]])[]): calls is readonly InventoryCall[] {
    return calls.every(([method]) => (INVENTORY_ADDS as readonly string[]).includes(method));
  }

  /** Makes `calls` (from `Inventory.record`) again on the inventory of `scope`'s tree; throws, making none, when one is not `replayable`. */
  public static replay(scope: IConstruct, calls: readonly InventoryCall[]): void {
    if (!Inventory.replayable(calls)) throw new Error('programming error: a call to replay names a method that does not add to the inventory');
    for (const [method, args] of calls) {
      const inventory = Inventory.of(scope);
      (inventory[method] as (...a: readonly unknown[]) => void).apply(inventory, [...args]);
    }
  }

  /** Runs the add `method` with `args` (`add`), noting the call for `Inventory.record` when no other add made it. */
  private noted(method: InventoryCall[0], args: readonly unknown[], add: () => void): void {
    const calls = this.depth === 0 ? (this.node.root as unknown as Recording)[RECORDING] : undefined;
    this.depth++;
    try {
      add();
    } finally {
      this.depth--;
    }
    calls?.push([method, args]);
  }

  /** Registers metrics to scrape; the same monitor name twice is an error. */
  public addScrapeTarget(target: ScrapeTarget): void {
    this.noted('addScrapeTarget', [target], () => {
      const clash = this.scrapeTargets.find((t) => t.name === target.name);
      if (clash) throw new Error(`scrape target "${target.name}" is registered twice (layers ${clash.layer} and ${target.layer}); give each its own name`);
      this.scrapeTargets.push(target);
    });
  }

  public addHttp(entry: HttpEntry): void {
    this.noted('addHttp', [entry], () => {
      const clash = this.httpByHost.get(entry.host);
      if (clash) clashError(clash.source ?? entry.source, `host ${entry.host} is published twice (layers ${clash.layer} and ${entry.layer}); host names must be unique`);
      this.http.push(entry);
      this.httpByHost.set(entry.host, entry);
    });
  }

  public addTcp(entry: TcpEntry): void {
    this.noted('addTcp', [entry], () => {
      const key = `${entry.address}\0${entry.port}`;
      const clash = this.tcpByAddress.get(key);
      if (clash) throw new Error(`${entry.address}:${entry.port} is used twice (${clash.name} and ${entry.name})`);
      this.tcp.push(entry);
      this.tcpByAddress.set(key, entry);
    });
  }

  /**
   * Records a published API; the same host and path prefix twice is an error. The first API on
   * a host also adds the host's HAProxy entry to `gateway`, described by every API sharing it.
   */
  public addApi(entry: ApiEntry, gateway: { readonly address: string; readonly port: number }): void {
    this.noted('addApi', [entry, gateway], () => {
      const clash = this.apis.find((e) => e.host === entry.host && e.pathPrefix === entry.pathPrefix);
      if (clash) throw new Error(`API ${entry.host}${entry.pathPrefix} is published twice (layers ${clash.layer} and ${entry.layer}); give each API its own host or path prefix`);
      const apis = this.apis;
      if (!apis.some((e) => e.host === entry.host)) {
        this.addHttp({
          host: entry.host,
          layer: entry.layer,
          // Read at render time: APIs added later on the same host are described too.
          get description() {
            return apis.filter((e) => e.host === entry.host).map((e) => (e.pathPrefix === '/' ? e.description : `${e.pathPrefix}: ${e.description}`)).join('; ');
          },
          address: gateway.address,
          port: gateway.port,
        });
      }
      apis.push(entry);
    });
  }

  /** Records a host behind single sign-on; a host has one login. */
  public addSso(entry: SsoEntry): void {
    this.noted('addSso', [entry], () => {
      const clash = this.ssoByHost.get(entry.host);
      if (clash) clashError(clash.source ?? entry.source, `host ${entry.host} is put behind single sign-on twice (layers ${clash.layer} and ${entry.layer}); a host has one login`);
      this.sso.push(entry);
      this.ssoByHost.set(entry.host, entry);
    });
  }

  /** Records a DBaaS database a component needs; the same engine/database twice is an error. */
  public addDatabase(entry: DatabaseEntry): void {
    this.noted('addDatabase', [entry], () => {
      const key = `${entry.engine}\0${entry.database}`;
      const clash = this.databaseByName.get(key);
      if (clash) clashError(entry.source ?? clash.source, `${entry.engine} database "${entry.database}" is claimed by ${clash.usedBy} and ${entry.usedBy}; give each component its own`);
      this.databases.push(entry);
      this.databaseByName.set(key, entry);
      this.addOutsideUse({
        service: `dbaas-${entry.engine}`,
        usedBy: entry.usedBy,
        purpose: `${entry.engine} "${entry.database}": ${entry.purpose}`,
        whileDown: `${entry.usedBy} cannot read or write "${entry.database}": its requests that need it fail`,
        mitigation: 'the DBaaS is highly available on its own; the component reconnects when it is back',
      });
    });
  }

  /** Records a registry mirror for the nodes; one mirror per upstream registry. */
  public addRegistryMirror(entry: RegistryMirror): void {
    this.noted('addRegistryMirror', [entry], () => {
      const clash = this.registryMirrors.find((e) => e.registry === entry.registry);
      if (clash) throw new Error(`registry ${entry.registry} is mirrored twice (layers ${clash.layer} and ${entry.layer}); a node pulls each registry through one mirror`);
      this.registryMirrors.push(entry);
      this.addOutsideUse({
        service: 'registries',
        usedBy: `${entry.layer} proxy cache of ${entry.registry}`,
        purpose: `every node pulls ${entry.registry} images through ${entry.endpoint}`,
        whileDown: `an image of ${entry.registry} not yet in the cache cannot be pulled: a new version (or a pod on a node without it) waits in ImagePullBackOff`,
        mitigation: 'images already pulled once are served from the proxy cache; running pods are not affected',
      });
    });
  }

  /**
   * Records that `usedBy` binds with the site's bind account and gives rights to the site's
   * admin group (with `admins`: true, or what the group may do there) and viewer group; with
   * `memberOf`, that it reads a user's groups from the `memberOf` attribute; `client`, which
   * hosts it tries and which CA it trusts (docs/ldap.md gives a test command per component).
   */
  public addDirectoryUse(
    ldap: { readonly bindDn: string; readonly adminGroup: string; readonly viewerGroup: string },
    usedBy: string,
    client: DirectoryClient,
    groups: { readonly admins?: true | string; readonly viewers?: boolean; readonly memberOf?: boolean } = {},
  ): void {
    this.noted('addDirectoryUse', [ldap, usedBy, client, groups], () => {
      if (this.directoryConsumers.some((c) => c.usedBy === usedBy)) throw new Error(`${usedBy} registered its directory use twice`);
      this.directoryConsumers.push({ usedBy, ...client });
      this.directoryConsumers.sort((a, b) => a.usedBy.localeCompare(b.usedBy));
      if (groups.memberOf && !this.memberOfReaders.includes(usedBy)) {
        this.memberOfReaders.push(usedBy);
        this.memberOfReaders.sort();
      }
      this.addLdap({ dn: ldap.bindDn, kind: 'service account', purpose: 'bind account: searches users and groups (read only)', usedBy });
      this.addOutsideUse({
        service: 'directory',
        usedBy,
        purpose: 'logins of directory users and their groups',
        whileDown: `${client.failover ? 'while every directory node is down' : 'while the primary directory node is down (it takes one host)'}, directory users cannot log in to ${usedBy}; sessions already open go on until they expire`,
        mitigation: 'the local admin account (its password in Bitwarden) still logs in',
      });
      if (groups.admins) this.addLdap({ dn: ldap.adminGroup, kind: 'group', purpose: groups.admins === true ? 'platform administrators' : groups.admins, usedBy });
      if (groups.viewers) this.addLdap({ dn: ldap.viewerGroup, kind: 'group', purpose: 'read-only access to the platform tools', usedBy });
    });
  }

  /** Records a component's use of an outside service; the same service and component twice is merged into one row. */
  public addOutsideUse(entry: OutsideUse): void {
    this.noted('addOutsideUse', [entry], () => {
      for (const [field, text] of [['purpose', entry.purpose], ['whileDown', entry.whileDown], ['mitigation', entry.mitigation]] as const) {
        if (!text.trim()) throw new Error(`the use of ${entry.service} by ${entry.usedBy} has no ${field}; say it`);
      }
      const key = `${entry.service}\0${entry.usedBy}`;
      const same = this.outsideIndex.get(key);
      if (same === undefined) {
        this.outsideIndex.set(key, this.outside.length);
        this.outside.push(entry);
        return;
      }
      const prev = this.outside[same];
      const join = (a: string, b: string) => (a === b ? a : `${a}; ${b}`);
      this.outside[same] = { ...prev, purpose: join(prev.purpose, entry.purpose), whileDown: join(prev.whileDown, entry.whileDown), mitigation: join(prev.mitigation, entry.mitigation) };
    });
  }

  /** Records an LDAP need; the same DN from several layers is merged. */
  public addLdap(entry: LdapEntry): void {
    this.noted('addLdap', [entry], () => {
      const same = this.ldap.findIndex((e) => e.dn.toLowerCase() === entry.dn.toLowerCase());
      if (same < 0) {
        this.ldap.push(entry);
        return;
      }
      const prev = this.ldap[same];
      const users = [...new Set([...prev.usedBy.split(', '), entry.usedBy])].sort().join(', ');
      const purposes = prev.purpose === entry.purpose ? prev.purpose : `${prev.purpose}; ${entry.purpose}`;
      this.ldap[same] = { ...prev, usedBy: users, purpose: purposes };
    });
  }
}

/**
 * A clash: a bug. The app rules (lib/config/app-platform-rules.ts, load-apps.ts) refuse an app
 * spec that clashes with another or with the platform (what each layer declares, `LayerNeeds`,
 * collected in LAYER_NEEDS of lib/layers/index.ts) at its file:line:col; a clash here means a
 * layer's declaration lacks its host or database, two layers clash, or the apps were not loaded
 * with loadApps given LAYER_NEEDS.
 */
function clashError(source: EntrySource | undefined, message: string): never {
  throw new Error(`programming error: ${message}${source ? ` (${source.file}, ${source.field})` : ''}; each layer declares the hosts and databases it takes for the app rules (LayerNeeds in its file, LAYER_NEEDS of lib/layers/index.ts): declare the layer's there, or load the apps with loadApps given LAYER_NEEDS`);
}
