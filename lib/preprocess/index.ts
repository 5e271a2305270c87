/**
 * Data preprocessing (the notes' "setting up the data"): fitted scalers, PCA and whitening,
 * streaming fits that merge, and saved pipelines. Fit on the training split, transform every split.
 */
export { Standardizer } from './standardizer';
export type { StandardizerMode, StandardizerOptions } from './standardizer';
export { RangeScaler } from './rangeScaler';
export type { RangeScalerOptions } from './rangeScaler';
export { Pipeline } from './pipeline';
export type { PipelinePartialFitOptions } from './pipeline';
export type { Transformer, TransformOptions } from './transformer';
export { DocumentReader, encodeFloat32, encodeFloat64 } from './serialize';
export type { SavedDocument } from './serialize';
export { PCA } from './pca';
export type { PCAOptions, Whitening } from './pca';
