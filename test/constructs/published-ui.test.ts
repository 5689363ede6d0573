import { App } from 'cdk8s';
import { setPlatformContext } from '../../lib/context';
import { PublishedUi, PublishedUiProps } from '../../lib/constructs/published-ui';
import { Inventory } from '../../lib/inventory';
import { Layer } from '../../lib/layer';
import { resolveVersions } from '../../lib/versions';
import { shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function publish(extra: Partial<PublishedUiProps>): { route: Obj; app: App } {
  const app = new App();
  setPlatformContext(app, { site: shippedSite(), versions: resolveVersions({}), apps: [] });
  const layer = new Layer(app, { name: 'demo', description: 'd', namespace: 'demo' });
  new PublishedUi(layer, 'ui', { name: 'demo', namespace: 'demo', serviceName: 'web', servicePort: 8080, description: 'Demo', ...extra });
  return { route: (layer.toJson() as Obj[])[0], app };
}

describe('PublishedUi', () => {
  test('GIVEN no request timeout WHEN published THEN the route leaves the gateway default, and the host is listed for HAProxy', () => {
    const { route, app } = publish({});
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 8080 }] }]);
    expect(Inventory.of(app).http.map((e) => e.host)).toEqual(['demo.turnsys.com']);
  });

  test('GIVEN a request timeout WHEN published THEN the route rule carries it; a value that is no Gateway API duration is refused', () => {
    expect(publish({ requestTimeout: '1h30m' }).route.spec.rules[0].timeouts).toEqual({ request: '1h30m' });
    expect(() => publish({ requestTimeout: '30 minutes' })).toThrow('requestTimeout "30 minutes" must be a Gateway API duration such as "30m" or "1h30m"');
  });
});
