import type { LdapServer, Site } from './config/schema';

/**
 * How every component reads the UCS directory, in one place so they all agree on who is a user
 * and who is in a group. `ldap.server` in site.yaml picks the mapping.
 */
export interface LdapAttributeMapping {
  /** Object class of a person (users are searched under `ldap.usersDn` only). */
  readonly userObjectClass: string;
  /** Search filter for users. */
  readonly userFilter: string;
  /** Login name attribute. */
  readonly userLoginAttribute: string;
  /** A user's stable, unique id. */
  readonly userUuidAttribute: string;
  /** The attribute of a user's DN's first part (uid=... or cn=...). */
  readonly userRdnAttribute: string;
  /** Object class of a group. */
  readonly groupObjectClass: string;
  /** Search filter for groups. */
  readonly groupFilter: string;
  /** Group attribute that lists member DNs. */
  readonly groupMemberAttribute: string;
  /** Group name attribute (the name RBAC rules use). */
  readonly groupNameAttribute: string;
}

/**
 * The attributes of each directory service of UCS. UCS's OpenLDAP keeps users as
 * `uid=<name>,cn=users,...` and groups (univentionGroup, a posixGroup) with both `memberUid`
 * (user names) and `uniqueMember` (member DNs): the platform matches members by DN, so it reads
 * `uniqueMember`. The Samba AD DC (on 389/636 when installed; OpenLDAP then moves to 7389/7636)
 * has Active Directory's: `sAMAccountName`, `objectGUID`, groups of class `group` with `member`.
 */
export const LDAP_MAPPINGS: Readonly<Record<LdapServer, LdapAttributeMapping>> = {
  openldap: {
    userObjectClass: 'person',
    userFilter: '(objectClass=person)',
    userLoginAttribute: 'uid',
    userUuidAttribute: 'entryUUID',
    userRdnAttribute: 'uid',
    groupObjectClass: 'posixGroup',
    groupFilter: '(objectClass=posixGroup)',
    groupMemberAttribute: 'uniqueMember',
    groupNameAttribute: 'cn',
  },
  'samba-ad': {
    userObjectClass: 'user',
    userFilter: '(&(objectClass=user)(!(objectClass=computer)))',
    userLoginAttribute: 'sAMAccountName',
    userUuidAttribute: 'objectGUID',
    userRdnAttribute: 'cn',
    groupObjectClass: 'group',
    groupFilter: '(objectClass=group)',
    groupMemberAttribute: 'member',
    groupNameAttribute: 'cn',
  },
};

/** The attribute mapping of the site's directory (`ldap.server`). */
export function ldapMapping(site: Site): LdapAttributeMapping {
  return LDAP_MAPPINGS[site.ldap.server];
}

/** `ldaps://<host>:<port>` of every directory node, primary first. */
export function ldapUrls(site: Site): string[] {
  return site.ldap.hosts.map((h) => `ldaps://${h}:${site.ldap.port}`);
}

/** The Secret (in each consumer's namespace) that holds the directory's CA certificate, and its key. */
export const LDAP_CA_SECRET = { name: 'ldap-ca', key: 'ca.crt' } as const;
