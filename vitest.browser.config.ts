import { defineConfig } from 'vitest/config';

// The browser tests (npm run test:browser): the HTML report in Debian's Chromium, driven by
// playwright-core. Kept apart from `npm test`, whose config includes test/**/*.test.ts only.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
