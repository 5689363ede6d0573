import { pathMarker } from '../../lib/drill/data-marker';
import { httpProber } from '../../lib/drill/prober';
import { LoopbackServer } from '../delivery/loopback';

describe('the HTTP prober and data markers over real HTTP', () => {
  let server: LoopbackServer;
  let base: string;
  beforeAll(async () => {
    server = new LoopbackServer((req) => {
      if (req.path === '/') return { status: 302, headers: { location: '/boards/anonymous' } };
      if (req.path === '/download/drill') return { status: 200, body: { board: 'drill' } };
      if (req.path === '/download/empty') return { status: 200 };
      return { status: 503, body: { message: 'no healthy upstream' } };
    });
    base = await server.start();
  });
  afterAll(() => server.close());

  test('GIVEN a redirect, an error and a closed port WHEN probed THEN the redirect is an answer (not followed), the others are failures with a reason', async () => {
    const prober = httpProber(2000);
    expect(await prober.get(`${base}/`)).toMatchObject({ ok: true, status: 302 });
    expect(await prober.get(`${base}/nothing`)).toMatchObject({ ok: false, status: 503, error: 'HTTP 503' });
    expect(await prober.get('http://127.0.0.1:1/')).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    expect(server.log()).toEqual(['GET /', 'GET /nothing']);
  });

  test('GIVEN a board and an empty path WHEN read as data markers THEN the body is returned, and empty or failing paths are refused', async () => {
    const prober = httpProber(2000);
    expect(await pathMarker(prober, base, '/download/drill').read()).toBe('{"board":"drill"}');
    await expect(pathMarker(prober, base, '/download/empty').read()).rejects.toThrow('answered an empty body: an empty data marker proves nothing');
    await expect(pathMarker(prober, base, '/gone').read()).rejects.toThrow(`cannot read ${base}/gone: HTTP 503 (the data marker must answer 200)`);
  });
});
