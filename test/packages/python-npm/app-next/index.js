const chalk = require('chalk');
const ms = require('ms');
console.log(chalk.green(`up for ${ms(60000)}`));
