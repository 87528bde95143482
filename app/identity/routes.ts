import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { mailThrottle } from '#start/limiter'

const SessionController = () => import('#identity/controllers/session_controller')
const PasswordResetRequestsController = () =>
  import('#identity/controllers/password_reset_requests_controller')
const PasswordResetsController = () => import('#identity/controllers/password_resets_controller')
const AccountController = () => import('#identity/controllers/account_controller')
const AccountProfileController = () => import('#identity/controllers/account_profile_controller')
const AccountPasswordController = () => import('#identity/controllers/account_password_controller')
const AccountEmailController = () => import('#identity/controllers/account_email_controller')

router
  .group(() => {
    router.get('/login', [SessionController, 'create']).as('session.create')
    router.post('/login', [SessionController, 'store']).as('session.store')
    router
      .get('/forgot-password', [PasswordResetRequestsController, 'create'])
      .as('password_reset_requests.create')
    router
      .post('/forgot-password', [PasswordResetRequestsController, 'store'])
      .as('password_reset_requests.store')
      .use(mailThrottle)
    router
      .get('/reset-password/:token', [PasswordResetsController, 'edit'])
      .as('password_resets.edit')
    router
      .put('/reset-password/:token', [PasswordResetsController, 'update'])
      .as('password_resets.update')
  })
  .as('identity')
  .use(middleware.guest())

router
  .group(() => {
    router.post('/logout', [SessionController, 'destroy']).as('session.destroy')
    router.get('/account', [AccountController, 'show']).as('account.show')
    router
      .put('/account/profile', [AccountProfileController, 'update'])
      .as('account_profile.update')
    router
      .put('/account/password', [AccountPasswordController, 'update'])
      .as('account_password.update')
    router.put('/account/email', [AccountEmailController, 'update']).as('account_email.update')
  })
  .as('identity')
  .use(middleware.auth())
