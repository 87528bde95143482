import { column } from '@adonisjs/lucid/orm'
import { compose } from '@adonisjs/core/helpers'
import { AppModel } from '#core/models/app_model'
import { TaxonomyEntry } from '#orgs/models/taxonomy_entry'

/** A subcategory of a category: global or an org's own. */
export default class CertificateSubcategory extends compose(AppModel, TaxonomyEntry) {
  @column()
  declare categoryId: string
}
