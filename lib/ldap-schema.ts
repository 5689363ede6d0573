/**
 * How every component reads the UCS directory, in one place so they all agree on who is a user
 * and who is in a group: OpenLDAP attributes (the site's DNs are `uid=...,cn=users,...`).
 */
export const LDAP_SCHEMA = {
  /** Object class of a person (users are searched under `ldap.usersDn` only). */
  userObjectClass: 'person',
  /** Search filter for users. */
  userFilter: '(objectClass=person)',
  /** Login name attribute. */
  userLoginAttribute: 'uid',
  /** Object class of a group. */
  groupObjectClass: 'posixGroup',
  /** Search filter for groups. */
  groupFilter: '(objectClass=posixGroup)',
  /** Group attribute that lists member DNs. */
  groupMemberAttribute: 'uniqueMember',
  /** Group name attribute (the name RBAC rules use). */
  groupNameAttribute: 'cn',
} as const;
