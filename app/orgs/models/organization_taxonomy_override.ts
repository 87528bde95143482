import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { booleanColumn } from '#core/models/columns'

/** An org's rename or hide of a global category or subcategory. */
export default class OrganizationTaxonomyOverride extends TimestampedModel {
  @column()
  declare organizationId: string

  @column()
  declare entityType: 'category' | 'subcategory'

  @column()
  declare entityId: string

  @column()
  declare name: string | null

  @booleanColumn()
  declare isHidden: boolean
}
