import { DateTime } from 'luxon'
import { randomBytes } from 'node:crypto'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import RecordAudit from '#core/actions/record_audit'
import type User from '#identity/models/user'
import Organization from '#orgs/models/organization'
import OrganizationRole from '#orgs/models/organization_role'
import OrganizationMember from '#orgs/models/organization_member'
import Industry from '#orgs/models/industry'
import { SYSTEM_ROLES, type SystemRoleKey } from '#orgs/policies/permissions'
import { RESERVED_SLUGS, SLUG_MIN } from '#orgs/validators/organization_slug'

export const TRIAL_DAYS = 7
export const TRIAL_FREE_CERTIFICATES = 10

export interface CreateOrganizationInput {
  name: string
  owner: User
  slug?: string
  industryKey?: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

/** URL-safe slug from a name: lowercase ASCII words joined by hyphens. */
export function slugify(name: string) {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '')
  if (slug.length < SLUG_MIN) return `org-${randomBytes(3).toString('hex')}`
  // Generated slugs never take a reserved word (`admin`, `api`, …): they get a suffix instead.
  return RESERVED_SLUGS.includes(slug) ? `${slug}-org` : slug
}

/** Username from an email's local part: lowercase letters, digits, dot, underscore, hyphen. */
export function usernameFrom(email: string) {
  const base = email
    .split('@')[0]
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '')
    .slice(0, 32)
  return base.length >= 2 ? base : `user${randomBytes(2).toString('hex')}`
}

async function uniqueSlug(base: string, trx: TransactionClientContract) {
  for (let n = 1; n < 50; n++) {
    const candidate = n === 1 ? base : `${base.slice(0, 44)}-${n}`
    const taken = await Organization.query({ client: trx }).where('slug', candidate).first()
    if (!taken) return candidate
  }
  return `${base.slice(0, 40)}-${randomBytes(3).toString('hex')}`
}

export async function uniqueUsername(
  organizationId: string,
  email: string,
  trx: TransactionClientContract
) {
  const base = usernameFrom(email)
  for (let n = 1; n < 100; n++) {
    const candidate = n === 1 ? base : `${base.slice(0, 36)}${n}`
    const taken = await OrganizationMember.query({ client: trx })
      .where('organization_id', organizationId)
      .where('username', candidate)
      .first()
    if (!taken) return candidate
  }
  return `${base.slice(0, 30)}${randomBytes(3).toString('hex')}`
}

function numberPrefixFrom(slug: string) {
  const letters = slug.replace(/[^a-z0-9]/g, '').toUpperCase()
  return (letters.slice(0, 6) || 'CERT').padEnd(2, 'X')
}

/**
 * Creates an org with its three system roles and the owner's membership,
 * starting the trial. Runs inside the caller's transaction (sign-up also
 * creates the user in it).
 */
export default class CreateOrganization {
  static async handle(input: CreateOrganizationInput, trx: TransactionClientContract) {
    const now = DateTime.now()
    const slug = await uniqueSlug(input.slug ? slugify(input.slug) : slugify(input.name), trx)
    const industry = await Industry.query({ client: trx })
      .where('key', input.industryKey ?? 'edtech')
      .first()

    const org = await Organization.create(
      {
        name: input.name.trim(),
        slug,
        applicationId: `app_${randomBytes(10).toString('hex')}`,
        industryId: industry?.id ?? null,
        email: input.owner.email,
        country: 'IN',
        certificateNumberPrefix: numberPrefixFrom(slug),
        certificateNumberFormat: '{prefix}-{YYYY}-{seq:6}',
        billingStatus: 'trialing',
        trialStartedAt: now,
        trialEndsAt: now.plus({ days: TRIAL_DAYS }),
        trialFreeCertificates: TRIAL_FREE_CERTIFICATES,
      },
      { client: trx }
    )

    const roles = {} as Record<SystemRoleKey, OrganizationRole>
    for (const [key, spec] of Object.entries(SYSTEM_ROLES) as [
      SystemRoleKey,
      (typeof SYSTEM_ROLES)[SystemRoleKey],
    ][]) {
      const role = await OrganizationRole.create(
        {
          organizationId: org.id,
          key,
          name: spec.name,
          description: spec.description,
          isSystem: true,
        },
        { client: trx }
      )
      await role.setPermissions(spec.permissions, trx)
      roles[key] = role
    }

    const member = await OrganizationMember.create(
      {
        organizationId: org.id,
        userId: input.owner.id,
        username: await uniqueUsername(org.id, input.owner.email, trx),
        roleId: roles.owner.id,
        status: 'active',
      },
      { client: trx }
    )

    await RecordAudit.handle(
      {
        action: 'org.created',
        organizationId: org.id,
        actorUserId: input.owner.id,
        entityType: 'organization',
        entityId: org.id,
        origin: input.origin,
        metadata: { name: org.name, slug: org.slug },
      },
      trx
    )

    return { org, roles, member }
  }
}
