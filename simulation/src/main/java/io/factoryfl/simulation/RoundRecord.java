package io.factoryfl.simulation;

/**
 * One committed round as the simulated ML engineer saw it in the job's events.
 *
 * @param rocAuc the federated evaluation's ROC-AUC, from the sites' log-odds histograms
 * @param rocAucBound its reported bound on the difference to the exact value
 */
record RoundRecord(int round, int participants, double trainLoss, double rocAuc, double prAuc,
    double rocAucBound, double seconds) {}
