import { Bouncer } from '@adonisjs/bouncer'
import type OrgActor from '#orgs/policies/org_actor'
import type { Permission } from '#orgs/policies/permissions'

/** `bouncer.authorize('allows', 'members.manage')` — the one gate every org route passes. */
export const allows = Bouncer.ability((actor: OrgActor, permission: Permission) =>
  actor.can(permission)
)
