import db from '@adonisjs/lucid/services/db'
import type { AuditInput } from '#core/actions/record_audit'
import type User from '#identity/models/user'
import CreateOrganization from '#orgs/actions/create_organization'

export interface AddOrganizationInput {
  user: User
  name: string
  origin?: AuditInput['origin']
}

/** A signed-in user opens another org (or their first, after leaving all others) and owns it. */
export default class AddOrganization {
  static async handle(input: AddOrganizationInput) {
    return db.transaction(async (trx) => {
      const { org, member } = await CreateOrganization.handle(
        { name: input.name, owner: input.user, origin: input.origin },
        trx
      )
      return { org, member }
    })
  }
}
