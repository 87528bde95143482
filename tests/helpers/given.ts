import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { ApiRequest } from '@japa/api-client'
import User from '#identity/models/user'
import Profile from '#identity/models/profile'
import SignUp from '#orgs/actions/sign_up'
import type Organization from '#orgs/models/organization'
import OrganizationRole from '#orgs/models/organization_role'
import OrganizationMember from '#orgs/models/organization_member'
import { uniqueUsername } from '#orgs/actions/create_organization'
import type { Permission } from '#orgs/policies/permissions'

export const PASSWORD = 'correct-horse-battery-staple'

let counter = 0
function unique(label: string) {
  counter += 1
  return `${label}-${counter}-${randomBytes(3).toString('hex')}`
}

/**
 * A new org created exactly as sign-up does, with its owner. `billing`:
 * `paying` (the default: what most specs mean by an org, one that has paid
 * during its trial, so it is `active` as a captured payment leaves it and
 * issues any number of certificates) or `trialing` (as sign-up leaves it:
 * 7 days and 10 free certificates, then issuing is refused until it pays).
 */
export async function givenOrg(
  options: { name?: string; ownerEmail?: string; billing?: 'trialing' | 'paying' } = {}
) {
  const name = options.name ?? unique('Org')
  const email = options.ownerEmail ?? `${unique('owner')}@example.test`
  const result = await SignUp.handle({
    fullName: 'Owner Person',
    email,
    password: PASSWORD,
    organizationName: name,
  })
  if (result.kind !== 'created') throw new Error(`could not create org for ${email}`)
  const owner = result.user
  if ((options.billing ?? 'paying') === 'paying') {
    await result.org.merge({ billingStatus: 'active' }).save()
  }
  return { org: result.org, owner, password: PASSWORD }
}

/** A user with a password and a profile, in no org. */
export async function givenUser(options: { email?: string; fullName?: string } = {}) {
  const email = options.email ?? `${unique('user')}@example.test`
  const user = await User.create({ email, password: PASSWORD, isPlatformStaff: false })
  await Profile.create({ id: user.id, ...Profile.namesFrom(options.fullName ?? 'Test Person') })
  return user
}

export async function roleOf(org: Organization, key: string) {
  return OrganizationRole.query().where('organization_id', org.id).where('key', key).firstOrFail()
}

/** A custom role holding exactly these permissions. */
export async function givenCustomRole(
  org: Organization,
  permissions: Permission[],
  name = unique('Role')
) {
  return db.transaction(async (trx) => {
    const role = await OrganizationRole.create(
      {
        organizationId: org.id,
        key: name.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
        name,
        isSystem: false,
      },
      { client: trx }
    )
    await role.setPermissions(permissions, trx)
    return role
  })
}

/** A member of `org` with a system role key ('owner' | 'admin' | 'member') or a role record. */
export async function givenMember(
  org: Organization,
  role: string | OrganizationRole = 'member',
  options: { email?: string } = {}
) {
  const user = await givenUser({ email: options.email })
  const roleRecord = typeof role === 'string' ? await roleOf(org, role) : role
  const member = await db.transaction(async (trx) =>
    OrganizationMember.create(
      {
        organizationId: org.id,
        userId: user.id,
        username: await uniqueUsername(org.id, user.email, trx),
        roleId: roleRecord.id,
        status: 'active',
      },
      { client: trx }
    )
  )
  return { user, member, role: roleRecord }
}

/** Signs the request in as `user` with `org` as the current org. */
export function actingAs(request: ApiRequest, user: User, org?: Organization) {
  const signedIn = request.loginAs(user)
  return org ? signedIn.withSession({ current_org_id: org.id }) : signedIn
}
