import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const GenerationJobsController = () =>
  import('#certificates/controllers/generation_jobs_controller')
const GenerationPreflightsController = () =>
  import('#certificates/controllers/generation_preflights_controller')
const GenerationJobProgressController = () =>
  import('#certificates/controllers/generation_job_progress_controller')
const GenerationJobStartsController = () =>
  import('#certificates/controllers/generation_job_starts_controller')
const GenerationJobCancellationsController = () =>
  import('#certificates/controllers/generation_job_cancellations_controller')
const GenerationJobRetriesController = () =>
  import('#certificates/controllers/generation_job_retries_controller')
const GenerationJobExportsController = () =>
  import('#certificates/controllers/generation_job_exports_controller')
const CertificatesController = () => import('#certificates/controllers/certificates_controller')
const CertificatePdfsController = () =>
  import('#certificates/controllers/certificate_pdfs_controller')
const CertificatePreviewsController = () =>
  import('#certificates/controllers/certificate_previews_controller')
const CertificateRevocationsController = () =>
  import('#certificates/controllers/certificate_revocations_controller')
const CertificateReissuesController = () =>
  import('#certificates/controllers/certificate_reissues_controller')

router
  .group(() => {
    router.get('/generation-jobs', [GenerationJobsController, 'index']).as('generation_jobs.index')
    router
      .get('/generation-jobs/new', [GenerationJobsController, 'create'])
      .as('generation_jobs.create')
    router
      .post('/generation-jobs/preflight', [GenerationPreflightsController, 'store'])
      .as('generation_preflights.store')
    router.post('/generation-jobs', [GenerationJobsController, 'store']).as('generation_jobs.store')
    router
      .get('/generation-jobs/:id', [GenerationJobsController, 'show'])
      .as('generation_jobs.show')
    router
      .get('/generation-jobs/:id/progress', [GenerationJobProgressController, 'show'])
      .as('generation_job_progress.show')
    router
      .post('/generation-jobs/:id/start', [GenerationJobStartsController, 'store'])
      .as('generation_job_starts.store')
    router
      .post('/generation-jobs/:id/cancellation', [GenerationJobCancellationsController, 'store'])
      .as('generation_job_cancellations.store')
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
      .get('/certificates/:id/preview', [CertificatePreviewsController, 'show'])
      .as('certificate_previews.show')
    router
      .post('/certificates/:id/revocation', [CertificateRevocationsController, 'store'])
      .as('certificate_revocations.store')
    router
      .post('/certificates/:id/reissue', [CertificateReissuesController, 'store'])
      .as('certificate_reissues.store')
  })
  .as('certificates')
  .use([middleware.auth(), middleware.org()])
