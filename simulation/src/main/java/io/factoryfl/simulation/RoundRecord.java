package io.factoryfl.simulation;

/** One committed round as the simulated ML engineer saw it in the job's events. */
record RoundRecord(int round, int participants, double trainLoss, double rocAuc, double prAuc,
    double seconds) {}
