import { createApp } from './app.js';
import { runCommand } from './config/command.js';

runCommand('Start-up', async (config) => {
  const app = await createApp(config);
  await app.listen({ port: config.env.PORT, host: config.env.HOST });
  app.getHttpAdapter().getInstance().log.info({ port: config.env.PORT }, 'listening');
});
