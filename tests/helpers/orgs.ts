import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { ApiResponse } from '@japa/api-client'
import { generateToken, hashToken } from '#core/services/tokens'
import type User from '#identity/models/user'
import type Organization from '#orgs/models/organization'
import OrganizationInvitation, { type InviteStatus } from '#orgs/models/organization_invitation'
import OrganizationMember from '#orgs/models/organization_member'
import type OrganizationRole from '#orgs/models/organization_role'
import OrgActor from '#orgs/policies/org_actor'
import CurrentMembership from '#orgs/queries/current_membership'
import { roleOf } from '#tests/helpers/given'

/** The OrgActor the org middleware would build for `user` in `org`. */
export async function actorFor(user: User, org: Organization) {
  const { member, permissions } = await CurrentMembership.resolve(user, org.id)
  if (!member || member.organizationId !== org.id)
    throw new Error(`${user.email} is not an active member of ${org.name}`)
  return new OrgActor(user, member.organization, member, permissions)
}

export function membershipOf(org: Organization, user: User) {
  return OrganizationMember.query()
    .where('organization_id', org.id)
    .where('user_id', user.id)
    .preload('role')
    .firstOrFail()
}

/** An invitation stored directly (no mail), with its raw token. */
export async function givenInvitation(
  org: Organization,
  options: {
    email?: string
    role?: string | OrganizationRole
    invitedBy?: User
    status?: InviteStatus
    expiresAt?: DateTime
  } = {}
) {
  const token = generateToken()
  const role =
    typeof options.role === 'object' ? options.role : await roleOf(org, options.role ?? 'member')
  const invitation = await OrganizationInvitation.create({
    organizationId: org.id,
    email: options.email ?? `invitee-${generateToken(4).toLowerCase()}@example.test`,
    roleId: role.id,
    status: options.status ?? 'pending',
    tokenHash: hashToken(token),
    expiresAt: options.expiresAt ?? DateTime.now().plus({ days: 7 }),
    invitedBy: options.invitedBy?.id ?? null,
    lastSentAt: DateTime.now(),
    sendCount: 1,
  })
  return { invitation, token, role }
}

/** Audit rows of an org with this action, oldest first. */
export function auditRows(org: Organization, action: string) {
  return db
    .from('app_audit_logs')
    .where('organization_id', org.id)
    .where('action', action)
    .orderBy('created_at', 'asc')
}

/** The token part of a /join/<token> link. */
export function tokenFromLink(link: string) {
  return new URL(link).pathname.replace(/^\/join\//, '')
}

/** An audit row's metadata as an object on both engines (SQLite returns JSON text). */
export function metadataOf(row: { metadata: unknown }): Record<string, any> {
  return typeof row.metadata === 'string'
    ? JSON.parse(row.metadata)
    : ((row.metadata as Record<string, any>) ?? {})
}

/** A flash message of a response as text ('' when absent). */
export function flashOf(response: ApiResponse, key: 'success' | 'error') {
  const value = response.flashMessages()[key]
  return typeof value === 'string' ? value : ''
}

/** The first inline error flashed for a form field ('' when absent). */
export function fieldErrorOf(response: ApiResponse, field: string) {
  const bag = response.flashMessages().inputErrorsBag as Record<string, string[]> | undefined
  return bag?.[field]?.[0] ?? ''
}
