package io.factoryfl.simulation;

import io.factoryfl.participant.data.CsvTable;

/**
 * One simulated plant: its name (also its certificate identity) and its private training and
 * held-out rows.
 */
record Factory(String name, String description, CsvTable train, CsvTable eval) {}
