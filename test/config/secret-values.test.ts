import { secretInValue } from '../../lib/config/secret-values';

// Token-shaped test values are assembled here so no scanner mistakes this file for a leak.
const GITHUB = `ghp_${'a1B2'.repeat(9)}`;
const JWT = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.${'s1Gn'.repeat(8)}`;

describe('secrets recognised by value (lib/config/secret-values.ts)', () => {
  test.each([
    ['a URL with user and password', 'smtp://mailer:hunter2@smtp.example.com:587', 'url-password', 'a URL with a password (smtp://mailer:…@smtp.example.com:587)'],
    ['a redis URL with a password and no user', 'redis://:hunter2@cache:6379/0', 'url-password', 'a URL with a password (redis://:…@cache:6379)'],
    ['a URL with a password inside a config file', 'log: info\nbroker: amqp://app:s3cret@mq/vhost\n', 'url-password', 'a URL with a password (amqp://app:…@mq)'],
    ['a libpq key=value DSN', 'host=db dbname=app user=app password=hunter2', 'dsn-password', 'a connection string with a password (password=…)'],
    ['an ADO connection string', 'Server=db;Database=app;User Id=app;Password=hunter2;', 'dsn-password', 'a connection string with a password (Password=…)'],
    ['a PEM private key', `-----BEGIN EC PRIVATE KEY-----\n${'MHcCAQEEIB'.repeat(6)}\n-----END EC PRIVATE KEY-----`, 'private-key', 'a PEM EC private key'],
    ['a GitHub token', GITHUB, 'token', 'a GitHub token'],
    ['a GitHub fine-grained token', `github_pat_${'11ABCDEFG0'.repeat(4)}`, 'token', 'a GitHub fine-grained token'],
    ['a GitLab token', `glpat-${'xY9_'.repeat(5)}`, 'token', 'a GitLab token'],
    ['a Slack token', `xoxb-${'1234567890'.repeat(2)}-abc`, 'token', 'a Slack token'],
    ['an AWS access key id', `AKIA${'ABCD2345'.repeat(2)}`, 'token', 'an AWS access key id'],
    ['a Stripe live key', `sk_live_${'4eC39HqLyjWD'.repeat(2)}`, 'token', 'a Stripe live secret key'],
    ['a JSON Web Token', `Bearer ${JWT}`, 'token', 'a JSON Web Token'],
    ['a Google API key', `AIza${'SyD-9tSrke72PouQMnMX'.repeat(2).slice(0, 35)}`, 'token', 'a Google API key'],
  ])('GIVEN %s WHEN classified THEN it is a secret of its shape, named without its value', (_what, value, shape, what) => {
    const found = secretInValue(value);
    expect(found).toEqual({ shape, what });
    expect(found!.what).not.toContain('hunter2');
  });

  test.each([
    ['a URL with a user only', 'https://user@git.example.com/repo.git'],
    ['a URL without user info', 'postgres://db:5432/app'],
    ['a URL with an empty password', 'redis://:@redis.dbaas.example.com:6379/1'],
    ['a compose placeholder as password', 'postgres://app:${DB_PASSWORD}@db/app'],
    ['a Kubernetes $(VAR) as password', 'smtp://mailer:$(SMTP_PASSWORD)@smtp.example.com'],
    ['a template as password', 'postgres://app:{{ .password }}@db/app'],
    ['a port and a path with @ in it', 'http://host:8080/users/@me'],
    ['a DSN whose password is a placeholder', 'host=db password=${PGPASSWORD}'],
    ['a DSN with an empty password', 'Server=db;Password=;'],
    ['a command-line flag', '--password=$(DB_PASSWORD)'],
    ['the PEM marker without a key', 'paste the -----BEGIN PRIVATE KEY----- block here'],
    ['a short ghp_ text', 'ghp_abc'],
    ['a path', '/run/secrets/smtp://u:p@host'],
    ['a plain value', 'debug'],
  ])('GIVEN %s WHEN classified THEN it is not a secret', (_what, value) => {
    expect(secretInValue(value)).toBeUndefined();
  });

  test('GIVEN a *_FILE variable WHEN classified THEN its value names a file and is not a secret, while the same value in another variable is', () => {
    expect(secretInValue('smtp://u:p@host', 'SMTP_URL_FILE')).toBeUndefined();
    expect(secretInValue('smtp://u:p@host', 'SMTP_URL')?.shape).toBe('url-password');
  });
});
