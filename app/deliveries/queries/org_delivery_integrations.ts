import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

/** An org's delivery integrations, removed ones left out; another org's id finds nothing. */
const OrgDeliveryIntegrations = {
  list(org: Organization) {
    return DeliveryIntegration.query()
      .where('organization_id', org.id)
      .whereNull('deleted_at')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
  },

  find(org: Organization, id: unknown, client?: TransactionClientContract) {
    return DeliveryIntegration.query(client ? { client } : {})
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .whereNull('deleted_at')
      .first()
  },
}

export default OrgDeliveryIntegrations
