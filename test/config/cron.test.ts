import { CRON_DESCRIPTORS, cronFieldValues, CRON_FIELDS, cronProblem } from '../../lib/config/cron';

describe('cron expressions as Kubernetes and Velero (robfig/cron ParseStandard) accept them', () => {
  test.each([
    '0 3 * * *', '0 * * * *', '*/15 * * * *', '5-55/10 1-5 * * MON-FRI', '0 0 1,15 * *', '0 0 ? * sun', '30 2 * jan-mar,oct 0,6',
    '0 0 29 2 *', '0 0 31 * *', '0 0 31 2 1', '10/20 * * * *', '  0 3 * * *  ', ...CRON_DESCRIPTORS, '@every 1h30m', '@every 90s',
  ])('GIVEN %j WHEN checked THEN it is accepted', (expr) => {
    expect(cronProblem(expr)).toBeUndefined();
  });

  test.each([
    ['0 24 * * *', 'hour "24" is out of range 0-23'],
    ['60 3 * * *', 'minute "60" is out of range 0-59'],
    ['0 3 0 * *', 'day of month "0" is out of range 1-31'],
    ['0 3 * 13 *', 'month "13" is out of range 1-12 or JAN-DEC'],
    ['0 3 * * 7', 'day of week "7" is out of range 0-6 or SUN-SAT'],
    ['0 1-24 * * *', 'hour "1-24": 24 is out of range 0-23'],
    ['0 5-2 * * *', 'hour "5-2": the range runs backwards (5 is after 2)'],
    ['*/0 * * * *', 'minute "*/0": the step must be at least 1'],
    ['0 3 * * FUN', 'day of week "FUN": "FUN" is not a number or a name (allowed: 0-6 or SUN-SAT)'],
    ['0 3 * *', 'must have five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *" (03:00 every day); found 4'],
    ['0 0 3 * * *', 'must have five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *" (03:00 every day); found 6'],
    ['0 3,,4 * * *', 'hour "3,,4" has an empty list entry'],
    ['0 1-2-3 * * *', 'hour "1-2-3" has more than one "-"'],
    ['0 0 30 2 *', 'day of month "30" never comes in month "2", so the schedule never runs; pick days the months have'],
    ['0 0 31 apr,jun *', 'day of month "31" never comes in month "apr,jun", so the schedule never runs; pick days the months have'],
    ['@fortnightly', 'unknown descriptor "@fortnightly"; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, "@every <duration>" or five fields'],
    ['@every 1d', '"@every 1d": the interval must be a duration such as "1h30m" or "15m"'],
    ['CRON_TZ=Europe/Paris 0 3 * * *', 'a time-zone prefix (TZ=... or CRON_TZ=...) is not accepted (the Kubernetes API server refuses it in a schedule); write the time in UTC'],
  ])('GIVEN %j WHEN checked THEN it is refused naming the field and the bad part: %s', (expr, message) => {
    expect(cronProblem(expr)).toBe(message);
  });

  test('GIVEN a field with names, ranges, steps and lists WHEN expanded THEN it selects the values robfig/cron does', () => {
    expect([...(cronFieldValues('MON-WED,fri/1', CRON_FIELDS[4]) as Set<number>)].sort()).toEqual([1, 2, 3, 5, 6]);
    expect([...(cronFieldValues('10/20', CRON_FIELDS[0]) as Set<number>)]).toEqual([10, 30, 50]);
    expect([...(cronFieldValues('*/6', CRON_FIELDS[1]) as Set<number>)]).toEqual([0, 6, 12, 18]);
  });
});
