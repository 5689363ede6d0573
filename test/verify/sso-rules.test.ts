import { redirectMatcher } from '../../lib/verify/sso-rules';

describe('a Keycloak client\'s redirect URIs', () => {
  test('GIVEN exact URIs and prefixes ending in * WHEN a login returns to a URL THEN it is allowed only when one equals it or is a prefix of it', () => {
    const allows = redirectMatcher(['https://a.example.com/oauth2/callback', 'https://b.example.com/*', 'https://c.example.com/x*y']);
    expect(allows('https://a.example.com/oauth2/callback')).toBe(true);
    expect(allows('https://a.example.com/oauth2/callback/')).toBe(false);
    expect(allows('https://a.example.com/oauth2')).toBe(false);
    expect(allows('https://b.example.com/oauth2/callback')).toBe(true);
    expect(allows('https://b.example.com')).toBe(false);
    // Only a * at the end is a wildcard: elsewhere it is a character.
    expect(allows('https://c.example.com/x*y')).toBe(true);
    expect(allows('https://c.example.com/x*yz')).toBe(false);
    expect(allows('https://c.example.com/xay')).toBe(false);
  });

  test('GIVEN no redirect URIs WHEN a login returns anywhere THEN it is refused', () => {
    expect(redirectMatcher([])('https://a.example.com/oauth2/callback')).toBe(false);
  });
});
