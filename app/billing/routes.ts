import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const BillingController = () => import('#billing/controllers/billing_controller')
const InvoicePdfsController = () => import('#billing/controllers/invoice_pdfs_controller')
const LedgerStatementsController = () => import('#billing/controllers/ledger_statements_controller')

// The billing page of the current org (billing.view; its details form billing.manage).
router
  .group(() => {
    router.get('/billing', [BillingController, 'show']).as('show')
    router.put('/billing/details', [BillingController, 'update']).as('details.update')
    router
      .put('/billing/spend-controls', [BillingController, 'updateSpendControls'])
      .as('spend_controls.update')
    router.get('/billing/invoices/:id/pdf', [InvoicePdfsController, 'show']).as('invoice_pdfs.show')
    router
      .get('/billing/ledger.csv', [LedgerStatementsController, 'show'])
      .as('ledger_statement.show')
  })
  .as('billing')
  .use([middleware.auth(), middleware.org()])
