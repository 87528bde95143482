import router from '@adonisjs/core/services/router'
import { withoutBrowserState } from '#core/http/stateless'
import { uploadPages, verificationPages } from '#verify/middleware/public_pages'

const VerificationsController = () => import('#verify/controllers/verifications_controller')
const VerificationPdfsController = () => import('#verify/controllers/verification_pdfs_controller')
const VerificationLogosController = () =>
  import('#verify/controllers/verification_logos_controller')
const PdfChecksController = () => import('#verify/controllers/pdf_checks_controller')

/*
| Public, no login: anyone holding a certificate's link or QR code. No
| session or cookie; throttled in memory after the lookup, generously for
| certificates found and strictly per address for tokens that match nothing
| (#certificates/services/verification_throttle).
*/
withoutBrowserState(
  'verify.verifications.show',
  'verify.verification_pdfs.show',
  'verify.verification_logos.show'
)

router
  .group(() => {
    router.get('/v/:token', [VerificationsController, 'show']).as('verifications.show')
    router.get('/v/:token/pdf', [VerificationPdfsController, 'show']).as('verification_pdfs.show')
    router
      .get('/v/:token/logo', [VerificationLogosController, 'show'])
      .as('verification_logos.show')
  })
  .as('verify')
  .use(verificationPages)

// Public, no login: check a PDF someone sent you against what was issued (a
// form, so a guest session carries its CSRF secret, in a cookie).
router
  .group(() => {
    router.get('/verify', [PdfChecksController, 'create']).as('pdf_checks.create')
    router.post('/verify', [PdfChecksController, 'store']).as('pdf_checks.store')
  })
  .as('verify')
  .use(uploadPages)
