/** Where benchmarks find shared data: ../shared beside the repository. */
import { join } from 'node:path';
import { REPO_ROOT } from '../models/index.js';

export const SHARED_MODELS = join(REPO_ROOT, '..', 'shared', 'models');
export const MNIST_DIR = join(SHARED_MODELS, 'mnist_testset');
