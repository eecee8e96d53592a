/**
 * Loaded into a gateway child process with `node --import` (process-errors.int.test.ts): on SIGUSR2 it raises the
 * fault named by KEYGATE_TEST_FAULT from outside the gateway's own code, as a buggy library would.
 */
const fault = process.env.KEYGATE_TEST_FAULT

process.on('SIGUSR2', () => {
  if (fault === 'unhandled-rejection') {
    void Promise.reject(new Error('injected: a rejection nobody handles'))
  } else if (fault === 'uncaught-exception') {
    setImmediate(() => {
      throw new Error('injected: an exception from a timer callback')
    })
  }
})
