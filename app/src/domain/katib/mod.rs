//! Katib objects read into the pages' model: experiments, trials, metric strategies, the best
//! trial, and the checks an experiment passes before it is created.
