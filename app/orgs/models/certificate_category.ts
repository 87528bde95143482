import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { compose } from '@adonisjs/core/helpers'
import { AppModel } from '#core/models/app_model'
import { TaxonomyEntry } from '#orgs/models/taxonomy_entry'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'

/** A category of the org's industry: global or an org's own. */
export default class CertificateCategory extends compose(AppModel, TaxonomyEntry) {
  @column()
  declare industryId: string

  @hasMany(() => CertificateSubcategory, { foreignKey: 'categoryId' })
  declare subcategories: HasMany<typeof CertificateSubcategory>
}
