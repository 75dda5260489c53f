package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.factoryfl.proto.v1.CategoricalFeature;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.Normalization;
import io.factoryfl.proto.v1.TrainTask;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The training binding covers every field that shapes a site's input (walked from the proto
 * descriptors, so a field added later without binding it fails here), and sites whose bindings
 * differ can neither verify each other's keys nor agree on a session id.
 */
class TrainingBindingTest {
  private static final long W = 10_000;

  static final TrainTask TRAIN = TrainTask.newBuilder().setModelHash("model-1").setLocalEpochs(2)
      .setBatchSize(32).setLearningRate(0.01)
      .setNormalization(Normalization.newBuilder().addMean(1.5).addMean(-2).addStd(0.5).addStd(3))
      .setSeed(42).setUpdateClipNorm(1.0).setProximalMu(0.01).build();
  static final DatasetBinding DATASET = DatasetBinding.newBuilder().setName("press")
      .addNumericFeatures("torque").addNumericFeatures("speed")
      .addCategoricalFeatures(CategoricalFeature.newBuilder().setColumn("type").addCategories("L")
          .addCategories("M"))
      .setLabelColumn("failure").addLabelClasses("0").addLabelClasses("1")
      // every field set, so that changing any one of them is a change (a tabular job leaves these empty)
      .setImages(io.factoryfl.proto.v1.ImageBinding.newBuilder().setHeight(8).setWidth(8).setChannels(1)
          .addMean(0.5).addStd(0.2).setRotationDegrees(5).setBrightness(0.1))
      .build();

  private static final TrainingBinding HONEST = TrainingBinding.of(TRAIN, DATASET, W);

  @Test
  void everyTrainTaskFieldButTheSeed_changesTheBinding() {
    for (UnaryOperator<TrainTask> change : changes(TRAIN)) {
      TrainTask changed = change.apply(TRAIN);
      assertNotEquals(HONEST, TrainingBinding.of(changed, DATASET, W), "changed task: " + changed);
    }
  }

  @Test
  void theSeed_isNotBound() {
    assertEquals(HONEST, TrainingBinding.of(TRAIN.toBuilder().setSeed(7).build(), DATASET, W));
  }

  @Test
  void everyDatasetBindingField_changesTheBinding() {
    for (UnaryOperator<DatasetBinding> change : changes(DATASET)) {
      DatasetBinding changed = change.apply(DATASET);
      assertNotEquals(HONEST, TrainingBinding.of(TRAIN, changed, W), "changed binding: " + changed);
    }
  }

  @Test
  void theExampleCapW_changesTheBinding() {
    assertNotEquals(HONEST, TrainingBinding.of(TRAIN, DATASET, 1));
  }

  @Test
  void learningRateOf1e30_andNegativeZeroClip_areDifferentBindings() {
    assertNotEquals(HONEST, TrainingBinding.of(TRAIN.toBuilder().setLearningRate(1e-30).build(), DATASET, W));
    TrainTask zero = TRAIN.toBuilder().setUpdateClipNorm(0.0).build();
    assertNotEquals(TrainingBinding.of(zero, DATASET, W),
        TrainingBinding.of(zero.toBuilder().setUpdateClipNorm(-0.0).build(), DATASET, W));
  }

  @Test
  void aSessionAboutAnotherModelThanItsBinding_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SessionInfo("job", 1, "model-2", List.of("a", "b"), HONEST));
    assertTrue(e.getMessage().contains("model-1"), e.getMessage());
  }

  @Test
  void sessionId_changesWithTheTrainingBindingAndOnlyIt() {
    List<String> cohort = List.of("site-0", "site-1", "site-2");
    SecAggParameters parameters = SecAggParameters.of(3, 2, 2, 4.0, 16);
    NeighbourGraph graph = NeighbourGraph.harary(3, 2, 5);
    SignedKeys[] keys = new SignedKeys[3];
    SessionInfo honest = new SessionInfo("job", 1, "model-1", cohort, HONEST);
    SessionInfo again = new SessionInfo("job", 1, "model-1", cohort, TrainingBinding.of(
        TRAIN.toBuilder().setSeed(99).build(), DATASET, W));
    SessionInfo slowed = new SessionInfo("job", 1, "model-1", cohort, TrainingBinding.of(
        TRAIN.toBuilder().setLearningRate(1e-30).build(), DATASET, W));

    assertArrayEquals(Transcript.sessionId(honest, parameters, graph, keys),
        Transcript.sessionId(again, parameters, graph, keys));
    assertFalse(java.util.Arrays.equals(Transcript.sessionId(honest, parameters, graph, keys),
        Transcript.sessionId(slowed, parameters, graph, keys)));
    assertFalse(java.util.Arrays.equals(Transcript.keysMessage(honest, "site-0", new byte[32], new byte[32]),
        Transcript.keysMessage(slowed, "site-0", new byte[32], new byte[32])));
  }

  @Test
  void aNeighbourGivenAnotherLearningRate_makesTheRoundAbortAtShareKeys() {
    List<String> cohort = List.of("site-0", "site-1", "site-2", "site-3");
    SecAggParameters parameters = SecAggParameters.of(4, 3, 2, 4.0, 16);
    NeighbourGraph graph = NeighbourGraph.harary(4, 3, 11);
    TrainingBinding slowed = TrainingBinding.of(TRAIN.toBuilder().setLearningRate(1e-30).build(), DATASET, W);
    SecureRandom random = new SecureRandom();
    List<SecAggParticipant> participants = new ArrayList<>();
    List<SignedKeys> keys = new ArrayList<>();
    for (String id : cohort) {
      // the coordinator's target, site-0, trains normally; everyone else is told 1e-30
      TrainingBinding binding = id.equals("site-0") ? HONEST : slowed;
      SecAggParticipant participant = new SecAggParticipant(id,
          new SessionInfo("job", 1, "model-1", cohort, binding), parameters, graph,
          Identities.of(id).getPrivate(), Identities::publicKey, random);
      participants.add(participant);
      keys.add(participant.advertiseKeys());
    }
    for (SecAggParticipant participant : participants) {
      SecAggException e = assertThrows(SecAggException.class, () -> participant.shareKeys(keys));
      assertTrue(e.getMessage().contains("training binding"), e.getMessage());
    }
  }

  /** One change per field of {@code message} (recursing into sub-messages), the seed excepted. */
  @SuppressWarnings("unchecked")
  private static <M extends Message> List<UnaryOperator<M>> changes(M message) {
    List<UnaryOperator<M>> out = new ArrayList<>();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.getContainingType() == TrainTask.getDescriptor() && field.getName().equals("seed")) {
        continue;
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        Message child = field.isRepeated() ? (Message) message.getRepeatedField(field, 0)
            : (Message) message.getField(field);
        for (UnaryOperator<Message> inner : changes(child)) {
          out.add(m -> {
            Message.Builder builder = m.toBuilder();
            if (field.isRepeated()) {
              builder.setRepeatedField(field, 0, inner.apply((Message) m.getRepeatedField(field, 0)));
            } else {
              builder.setField(field, inner.apply((Message) m.getField(field)));
            }
            return (M) builder.build();
          });
        }
        out.add(m -> {
          Message.Builder builder = m.toBuilder();
          if (field.isRepeated()) {
            builder.addRepeatedField(field, m.getRepeatedField(field, 0));
          } else {
            builder.clearField(field);
          }
          return (M) builder.build();
        });
        continue;
      }
      out.add(m -> {
        Message.Builder builder = m.toBuilder();
        if (field.isRepeated()) {
          builder.addRepeatedField(field, other(field, null));
        } else {
          builder.setField(field, other(field, m.getField(field)));
        }
        return (M) builder.build();
      });
      if (field.isRepeated()) {
        out.add(m -> {
          Message.Builder builder = m.toBuilder();
          builder.setRepeatedField(field, 0, other(field, m.getRepeatedField(field, 0)));
          return (M) builder.build();
        });
      }
    }
    return out;
  }

  private static Object other(FieldDescriptor field, Object current) {
    return switch (field.getJavaType()) {
      case INT -> current == null ? 3 : (Integer) current + 1;
      case LONG -> current == null ? 3L : (Long) current + 1;
      case DOUBLE -> current == null ? 0.25 : (Double) current * 1.000001 + 1e-9;
      case FLOAT -> current == null ? 0.25f : (Float) current + 1;
      case BOOLEAN -> current == null || !(Boolean) current;
      case STRING -> current == null ? "extra" : current + "x";
      default -> throw new AssertionError("a " + field.getJavaType() + " field ('" + field.getFullName()
          + "') needs a change here and a line in TrainingBinding");
    };
  }
}
