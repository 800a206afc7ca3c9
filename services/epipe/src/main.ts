#!/usr/bin/env node
import { errorMessage } from '@epipe/core';
import { dispatch } from './cli';
import { processIo } from './cli/io';

dispatch(process.argv.slice(2), processIo()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`epipe: ${errorMessage(err)}`);
    process.exit(1);
  },
);
