import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import OrganizationInvitation from '#orgs/models/organization_invitation'

const CLOSED_SHOWN = 50

/** The org's invitations grouped for the invitations page. */
export default class InvitationList {
  static async for(org: Organization) {
    const base = () =>
      OrganizationInvitation.query().where('organization_id', org.id).preload('role')
    const [open, accepted, revoked] = await Promise.all([
      base().whereIn('status', ['pending', 'expired']).orderBy('created_at', 'desc'),
      base().where('status', 'accepted').orderBy('accepted_at', 'desc').limit(CLOSED_SHOWN),
      base().where('status', 'revoked').orderBy('updated_at', 'desc').limit(CLOSED_SHOWN),
    ])
    return { open: open as OrganizationInvitation[], accepted, revoked }
  }

  static find(org: Organization, id: string) {
    return OrganizationInvitation.query()
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .firstOrFail()
  }
}
