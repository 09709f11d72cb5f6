/**
 * The rating model's fit in a worker thread, so the nightly job trains it while the main thread computes the
 * neighbour tables and EASE (on a 4-vCPU runner the two take about as long, and the job's wall time becomes the
 * longer of them instead of their sum). Receives the rating triples and options as workerData, posts the model
 * and the fit's own wall time.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { RatingTriples } from "../../functions/lib/recommend/neighbours";
import { fitRatingModel, type RatingModelOptions } from "../../functions/lib/recommend/rating-model";

const { data, options } = workerData as { data: RatingTriples; options: RatingModelOptions };
const started = performance.now();
const model = fitRatingModel(data, options);
parentPort?.postMessage({ model, ms: Math.round(performance.now() - started) }, [
  model.userBias.buffer,
  model.filmBias.buffer,
  model.userFactors.buffer,
  model.filmFactors.buffer,
] as ArrayBuffer[]);
