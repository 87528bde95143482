import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { withoutBrowserState } from '#core/http/stateless'
import { uploadsPerIpThrottle, uploadsPerOrgThrottle } from '#start/limiter'

/** The API authenticates by key, never by cookie: no session, CSRF secret or Set-Cookie. */
withoutBrowserState('api.')

const OrgController = () => import('#api/controllers/org_controller')
const TemplatesController = () => import('#api/controllers/templates_controller')
const TemplateFieldsController = () => import('#api/controllers/template_fields_controller')
const TemplateArchivesController = () => import('#api/controllers/template_archives_controller')
const TemplateActivationsController = () =>
  import('#api/controllers/template_activations_controller')
const TemplateFilesController = () => import('#api/controllers/template_files_controller')
const ImportsController = () => import('#api/controllers/imports_controller')
const ImportRowsController = () => import('#api/controllers/import_rows_controller')
const ImportMappingsController = () => import('#api/controllers/import_mappings_controller')
const GenerationJobsController = () => import('#api/controllers/generation_jobs_controller')
const GenerationJobCancellationsController = () =>
  import('#api/controllers/generation_job_cancellations_controller')
const GenerationJobStartsController = () =>
  import('#api/controllers/generation_job_starts_controller')
const GenerationJobRetriesController = () =>
  import('#api/controllers/generation_job_retries_controller')
const GenerationJobExportsController = () =>
  import('#api/controllers/generation_job_exports_controller')
const CertificatesController = () => import('#api/controllers/certificates_controller')
const CertificatePdfsController = () => import('#api/controllers/certificate_pdfs_controller')
const CertificateRevocationsController = () =>
  import('#api/controllers/certificate_revocations_controller')
const CertificateReissuesController = () =>
  import('#api/controllers/certificate_reissues_controller')
const DeliveryIntegrationsController = () =>
  import('#api/controllers/delivery_integrations_controller')
const DeliveryIntegrationTestMessagesController = () =>
  import('#api/controllers/delivery_integration_test_messages_controller')
const GenerationJobDeliveriesController = () =>
  import('#api/controllers/generation_job_deliveries_controller')
const DeliveriesController = () => import('#api/controllers/deliveries_controller')
const DeliveryMessagesController = () => import('#api/controllers/delivery_messages_controller')
const CertificateDeliveriesController = () =>
  import('#api/controllers/certificate_deliveries_controller')
const DeliveryCancellationsController = () =>
  import('#api/controllers/delivery_cancellations_controller')
const BillingController = () => import('#api/controllers/billing_controller')
const BillingLedgerController = () => import('#api/controllers/billing_ledger_controller')
const InvoicesController = () => import('#api/controllers/invoices_controller')
const InvoicePdfsController = () => import('#api/controllers/invoice_pdfs_controller')

router
  .group(() => {
    router.get('/org', [OrgController, 'show']).as('org.show')

    router.get('/templates', [TemplatesController, 'index']).as('templates.index')
    router
      .post('/templates', [TemplatesController, 'store'])
      .as('templates.store')
      .use([uploadsPerIpThrottle, uploadsPerOrgThrottle])
    router.get('/templates/:id', [TemplatesController, 'show']).as('templates.show')
    router
      .put('/templates/:id/fields', [TemplateFieldsController, 'update'])
      .as('template_fields.update')
    router
      .post('/templates/:id/archive', [TemplateArchivesController, 'store'])
      .as('template_archives.store')
    router
      .delete('/templates/:id/archive', [TemplateArchivesController, 'destroy'])
      .as('template_archives.destroy')
    router
      .post('/templates/:id/activation', [TemplateActivationsController, 'store'])
      .as('template_activations.store')
    router
      .delete('/templates/:id/activation', [TemplateActivationsController, 'destroy'])
      .as('template_activations.destroy')
    router
      .get('/templates/:id/files/:file', [TemplateFilesController, 'show'])
      .as('template_files.show')

    router.get('/imports', [ImportsController, 'index']).as('imports.index')
    router.post('/imports', [ImportsController, 'store']).as('imports.store')
    router.get('/imports/:id', [ImportsController, 'show']).as('imports.show')
    router.get('/imports/:id/rows', [ImportRowsController, 'index']).as('import_rows.index')
    router
      .put('/imports/:id/mapping', [ImportMappingsController, 'update'])
      .as('import_mappings.update')

    router.get('/generation-jobs', [GenerationJobsController, 'index']).as('generation_jobs.index')
    router.post('/generation-jobs', [GenerationJobsController, 'store']).as('generation_jobs.store')
    router
      .get('/generation-jobs/:id', [GenerationJobsController, 'show'])
      .as('generation_jobs.show')
    router
      .post('/generation-jobs/:id/cancellation', [GenerationJobCancellationsController, 'store'])
      .as('generation_job_cancellations.store')
    router
      .post('/generation-jobs/:id/start', [GenerationJobStartsController, 'store'])
      .as('generation_job_starts.store')
    router
      .post('/generation-jobs/:id/retry', [GenerationJobRetriesController, 'store'])
      .as('generation_job_retries.store')
    router
      .get('/generation-jobs/:id/export', [GenerationJobExportsController, 'show'])
      .as('generation_job_exports.show')

    router.get('/certificates', [CertificatesController, 'index']).as('certificates.index')
    router.get('/certificates/:id', [CertificatesController, 'show']).as('certificates.show')
    router
      .get('/certificates/:id/pdf', [CertificatePdfsController, 'show'])
      .as('certificate_pdfs.show')
    router
      .post('/certificates/:id/revocation', [CertificateRevocationsController, 'store'])
      .as('certificate_revocations.store')
    router
      .post('/certificates/:id/reissue', [CertificateReissuesController, 'store'])
      .as('certificate_reissues.store')

    router
      .get('/delivery-integrations', [DeliveryIntegrationsController, 'index'])
      .as('delivery_integrations.index')
    router
      .post('/delivery-integrations', [DeliveryIntegrationsController, 'store'])
      .as('delivery_integrations.store')
    router
      .get('/delivery-integrations/:id', [DeliveryIntegrationsController, 'show'])
      .as('delivery_integrations.show')
    router
      .put('/delivery-integrations/:id', [DeliveryIntegrationsController, 'update'])
      .as('delivery_integrations.update')
    router
      .post('/delivery-integrations/:id/test-message', [
        DeliveryIntegrationTestMessagesController,
        'store',
      ])
      .as('delivery_integration_test_messages.store')

    router
      .get('/generation-jobs/:id/deliveries', [GenerationJobDeliveriesController, 'index'])
      .as('generation_job_deliveries.index')
    router
      .post('/generation-jobs/:id/deliveries', [GenerationJobDeliveriesController, 'store'])
      .as('generation_job_deliveries.store')
    router
      .post('/certificates/:id/delivery', [CertificateDeliveriesController, 'store'])
      .as('certificate_deliveries.store')
    router.get('/deliveries/:id', [DeliveriesController, 'show']).as('deliveries.show')
    router
      .post('/deliveries/:id/cancellation', [DeliveryCancellationsController, 'store'])
      .as('delivery_cancellations.store')
    router
      .get('/deliveries/:id/messages', [DeliveryMessagesController, 'index'])
      .as('delivery_messages.index')

    router.get('/billing', [BillingController, 'show']).as('billing.show')
    router.get('/billing/ledger', [BillingLedgerController, 'index']).as('billing_ledger.index')
    router.get('/invoices', [InvoicesController, 'index']).as('invoices.index')
    router.get('/invoices/:id', [InvoicesController, 'show']).as('invoices.show')
    router.get('/invoices/:id/pdf', [InvoicePdfsController, 'show']).as('invoice_pdfs.show')
  })
  .prefix('/api/v1')
  .as('api')
  .use(middleware.apiKey())

/*
| Public verification (API.md "Public verification"): no API key, anyone may
| call these, throttled with the /v pages (#certificates/services/verification_throttle).
*/
const VerifyController = () => import('#api/controllers/verify_controller')

router
  .group(() => {
    router.get('/verify/:token', [VerifyController, 'show']).as('verifications.show')
    router.post('/verify/pdf', [VerifyController, 'store']).as('pdf_verifications.store')
  })
  .prefix('/api/v1')
  .as('api')
