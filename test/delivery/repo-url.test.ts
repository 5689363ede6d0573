import { DeliveryError } from '../../lib/delivery/delivery-error';
import { giteaApiUrl, githubApiUrl, httpsCloneUrl, parseRepoUrl, sameRepository } from '../../lib/delivery/repo-url';

describe('repository URLs', () => {
  test.each([
    ['https://git.turnsys.com/tsys/platform.git', 'git.turnsys.com', '', 'tsys', 'platform'],
    ['https://github.com/tsys-group/platform', 'github.com', '', 'tsys-group', 'platform'],
    ['https://Git.TurnSys.com/gitea/tsys/platform.git/', 'git.turnsys.com', '/gitea', 'tsys', 'platform'],
    ['ssh://git@git.turnsys.com:2222/tsys/platform.git', 'git.turnsys.com', '', 'tsys', 'platform'],
    ['git@github.com:tsys-group/platform.git', 'github.com', '', 'tsys-group', 'platform'],
    ['github.com:tsys-group/platform', 'github.com', '', 'tsys-group', 'platform'],
  ])('GIVEN %s WHEN parsed THEN host %s, prefix "%s", owner %s, repo %s', (url, host, pathPrefix, owner, repo) => {
    expect(parseRepoUrl(url)).toEqual({ host, pathPrefix, owner, repo, url });
  });

  test.each([
    ['https://git.turnsys.com/platform.git', 'the path needs <owner>/<repo>'],
    ['ftp://git.turnsys.com/tsys/platform.git', 'scheme ftp: is not https or ssh'],
    ['not a url', 'not a URL'],
  ])('GIVEN %s WHEN parsed THEN it is refused: %s', (url, why) => {
    expect(() => parseRepoUrl(url)).toThrow(DeliveryError);
    expect(() => parseRepoUrl(url)).toThrow(`cannot read owner and repository from "${url}": ${why}; use https://host/<owner>/<repo>.git`);
  });

  test('GIVEN repositories WHEN their API roots are derived THEN Gitea is /api/v1 on the web host and GitHub is api.github.com or /api/v3', () => {
    expect(giteaApiUrl(parseRepoUrl('ssh://git@git.turnsys.com:2222/tsys/platform.git'))).toBe('https://git.turnsys.com/api/v1');
    expect(giteaApiUrl(parseRepoUrl('https://example.org/gitea/tsys/platform.git'))).toBe('https://example.org/gitea/api/v1');
    expect(githubApiUrl(parseRepoUrl('git@github.com:tsys-group/platform.git'))).toBe('https://api.github.com');
    expect(githubApiUrl(parseRepoUrl('https://ghe.example.com/tsys/platform.git'))).toBe('https://ghe.example.com/api/v3');
    expect(httpsCloneUrl(parseRepoUrl('git@github.com:tsys-group/platform'))).toBe('https://github.com/tsys-group/platform.git');
  });

  test('GIVEN two spellings of one repository WHEN compared THEN they match, and another repository does not', () => {
    expect(sameRepository('https://github.com/tsys-group/platform.git', 'git@github.com:TSYS-Group/platform')).toBe(true);
    expect(sameRepository('https://user:secret@github.com/tsys-group/platform', 'https://github.com/tsys-group/platform.git')).toBe(true);
    expect(sameRepository('https://github.com/tsys-group/platform.git', 'https://github.com/tsys-group/platform-old.git')).toBe(false);
    expect(sameRepository('https://github.com/tsys-group/platform.git', 'garbage')).toBe(false);
  });
});
