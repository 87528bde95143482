// Razorpay's Checkout (checkout.js, served by Razorpay) for one order of
// ours, with `redirect: true`: once the payer is done, Razorpay sends the
// browser to our callback URL, which confirms the payment on the server.
// A page module (see app.js): mount(root) once per appearance.

const CHECKOUT_JS = 'https://checkout.razorpay.com/v1/checkout.js'

function loadCheckout() {
  if (window.Razorpay) return Promise.resolve(window.Razorpay)
  return new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = CHECKOUT_JS
    script.onload = () => resolve(window.Razorpay)
    script.onerror = () => reject(new Error('checkout.js did not load'))
    document.head.append(script)
  })
}

export function mount(root) {
  const options = JSON.parse(root.dataset.checkout)
  const status = root.querySelector('#checkout-status')
  const button = root.querySelector('#checkout-open')
  const open = (Razorpay) => new Razorpay({ ...options, redirect: true }).open()
  let ready = null
  const onClick = () => ready && open(ready)
  button.addEventListener('click', onClick)
  loadCheckout().then(
    (Razorpay) => {
      ready = Razorpay
      status.textContent = 'Razorpay’s Checkout is open. Closed it? Open it again:'
      button.hidden = false
      open(Razorpay)
    },
    () => {
      status.textContent =
        'Razorpay’s Checkout could not be loaded (a blocker, or no connection to checkout.razorpay.com). Nothing was charged; reload to try again.'
    }
  )
  return () => button.removeEventListener('click', onClick)
}
