package io.factoryfl.simulation;

/** A model's ROC-AUC and PR-AUC on the union of the factories' held-out rows. */
record Score(double rocAuc, double prAuc) {}
