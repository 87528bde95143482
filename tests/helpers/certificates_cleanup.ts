import db from '@adonisjs/lucid/services/db'

/**
 * Removes everything an org's committed test data left behind (tests that
 * need real concurrency or other processes cannot use the per-test
 * transaction), children before parents.
 */
export async function removeOrgData(orgId: string) {
  await db.from('billing_usage_events').where('organization_id', orgId).delete()
  await db.from('certificate_verification_events').where('organization_id', orgId).delete()
  await db
    .from('certificates')
    .where('organization_id', orgId)
    .update({ superseded_by_certificate_id: null, reissued_from_certificate_id: null })
  await db.from('certificates').where('organization_id', orgId).delete()
  await db.from('queue_jobs').where('organization_id', orgId).delete()
  await db.from('certificate_generation_jobs').where('organization_id', orgId).delete()
  await db.from('organization_certificate_counters').where('organization_id', orgId).delete()
  await db.from('file_import_jobs').where('organization_id', orgId).delete()
  await db
    .from('certificate_template_fields')
    .whereIn(
      'template_version_id',
      db.from('certificate_template_versions').where('organization_id', orgId).select('id')
    )
    .delete()
  await db
    .from('certificate_templates')
    .where('organization_id', orgId)
    .update({ current_version_id: null })
  await db.from('certificate_template_versions').where('organization_id', orgId).delete()
  await db.from('certificate_templates').where('organization_id', orgId).delete()
  await db.from('billing_provider_events').where('organization_id', orgId).delete()
  await db.from('billing_refunds').where('organization_id', orgId).delete()
  await db.from('billing_payments').where('organization_id', orgId).delete()
  await db.from('billing_orders').where('organization_id', orgId).delete()
  await db
    .from('billing_invoice_items')
    .whereIn('invoice_id', db.from('billing_invoices').where('organization_id', orgId).select('id'))
    .delete()
  await db.from('billing_invoices').where('organization_id', orgId).delete()
  await db.from('billing_periods').where('organization_id', orgId).delete()
  await db.from('billing_invoice_counters').where('organization_id', orgId).delete()
  await db.from('billing_credits_debits').where('organization_id', orgId).delete()
  await db.from('files').where('organization_id', orgId).update({ base_file_id: null })
  await db.from('files').where('organization_id', orgId).delete()
}
