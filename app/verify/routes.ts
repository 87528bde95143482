import router from '@adonisjs/core/services/router'
import { publicThrottle } from '#start/limiter'
import { uploadPages, verificationPages } from '#verify/middleware/public_pages'

const VerificationsController = () => import('#verify/controllers/verifications_controller')
const VerificationPdfsController = () => import('#verify/controllers/verification_pdfs_controller')
const VerificationLogosController = () =>
  import('#verify/controllers/verification_logos_controller')
const PdfChecksController = () => import('#verify/controllers/pdf_checks_controller')

// Public, no login: anyone holding a certificate's link or QR code. 60 requests a minute per IP.
router
  .group(() => {
    router.get('/v/:token', [VerificationsController, 'show']).as('verifications.show')
    router.get('/v/:token/pdf', [VerificationPdfsController, 'show']).as('verification_pdfs.show')
    router
      .get('/v/:token/logo', [VerificationLogosController, 'show'])
      .as('verification_logos.show')
  })
  .as('verify')
  .use([verificationPages, publicThrottle])

// Public, no login: check a PDF someone sent you against what was issued.
router
  .group(() => {
    router.get('/verify', [PdfChecksController, 'create']).as('pdf_checks.create')
    router.post('/verify', [PdfChecksController, 'store']).as('pdf_checks.store')
  })
  .as('verify')
  .use([uploadPages, publicThrottle])
