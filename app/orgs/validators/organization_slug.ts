import vine from '@vinejs/vine'

/**
 * Slugs name an org in URLs and in `node ace org:api-key <slug>`. Words that
 * are (or may become) our own paths or hostnames are reserved.
 */
export const RESERVED_SLUGS = [
  'about',
  'account',
  'accounts',
  'admin',
  'administrator',
  'api',
  'app',
  'apps',
  'assets',
  'auth',
  'authentix',
  'billing',
  'blog',
  'cdn',
  'certificate',
  'certificates',
  'dashboard',
  'dev',
  'docs',
  'download',
  'downloads',
  'email',
  'help',
  'home',
  'imports',
  'invitations',
  'join',
  'login',
  'logout',
  'mail',
  'members',
  'new',
  'org',
  'organization',
  'organizations',
  'orgs',
  'pricing',
  'register',
  'reset-password',
  'root',
  'roles',
  'security',
  'settings',
  'signin',
  'signup',
  'sign-in',
  'sign-up',
  'staff',
  'static',
  'status',
  'support',
  'system',
  'templates',
  'test',
  'v',
  'verify',
  'www',
]

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/
export const SLUG_MIN = 3
export const SLUG_MAX = 48

export const slugMessages = {
  'slug.required': 'Choose a URL name for the organization.',
  'slug.minLength': `The URL name must be at least ${SLUG_MIN} characters.`,
  'slug.maxLength': `The URL name can be at most ${SLUG_MAX} characters.`,
  'slug.regex': 'Use lowercase letters, digits and hyphens (not at the start or end).',
  'slug.notIn': 'This URL name is reserved. Choose another.',
  'slug.database.unique': 'This URL name is already taken by another organization.',
}

/**
 * The slug rule shared by the settings page and `node ace org:create`.
 * Validation metadata `organizationId` lets an org keep its own slug.
 */
export function organizationSlug() {
  return vine
    .string()
    .trim()
    .toLowerCase()
    .minLength(SLUG_MIN)
    .maxLength(SLUG_MAX)
    .regex(SLUG_PATTERN)
    .notIn(RESERVED_SLUGS)
    .unique({
      table: 'organizations',
      column: 'slug',
      filter: (query, _value, field) => {
        const organizationId = field.meta.organizationId
        if (typeof organizationId === 'string') query.whereNot('id', organizationId)
      },
    })
}
