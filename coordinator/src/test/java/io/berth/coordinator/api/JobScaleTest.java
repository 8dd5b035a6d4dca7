package io.berth.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.proto.GroupSpec;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

class JobScaleTest {
  private static JobState job(String type, JobStatus status) {
    JobSpec spec = JobSpec.newBuilder().setName("web").setNamespace("default").setType(type)
        .addGroups(GroupSpec.newBuilder().setName("web").setCount(3).setImage("i"))
        .addGroups(GroupSpec.newBuilder().setName("side").setCount(1).setImage("i")).build();
    return JobState.newBuilder().setJob(JobRecord.newBuilder().setSpec(spec).setVersion(4).setStatus(status)
        .setSubmittedAtMs(1)).build();
  }

  @Test
  void writesANewVersionWithOnlyThatGroupsCount() {
    JobState old = job("service", JobStatus.JOB_RUNNING);
    JobState scaled = JobScale.apply(old, "web", 5, 99);
    assertEquals(5, scaled.getJob().getVersion());
    assertEquals(5, scaled.getJob().getSpec().getGroups(0).getCount());
    assertEquals(1, scaled.getJob().getSpec().getGroups(1).getCount());
    assertEquals(99, scaled.getJob().getSubmittedAtMs());
    assertEquals(old.getJob().getSpec().toBuilder().setGroups(0, old.getJob().getSpec().getGroups(0).toBuilder()
        .setCount(5)).build(), scaled.getJob().getSpec(), "nothing else changes");
    assertSame(old, JobScale.apply(old, "web", 3, 99), "the same count writes nothing");
  }

  @Test
  void refusesWhatCannotBeScaled() {
    JobState running = job("service", JobStatus.JOB_RUNNING);
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> JobScale.check(running, "web", "web", -1)));
    StatusRuntimeException noGroup = assertThrows(StatusRuntimeException.class,
        () -> JobScale.check(running, "web", "db", 2));
    assertTrue(noGroup.getStatus().getDescription().contains("groups: web, side"), noGroup.getMessage());
    assertEquals(Status.Code.FAILED_PRECONDITION,
        code(() -> JobScale.check(job("global", JobStatus.JOB_RUNNING), "web", "web", 2)));
    assertEquals(Status.Code.FAILED_PRECONDITION,
        code(() -> JobScale.check(job("service", JobStatus.JOB_STOPPED), "web", "web", 2)));
    JobScale.check(running, "web", "web", 0); // scaling to zero is fine
  }

  private static Status.Code code(Runnable r) {
    return assertThrows(StatusRuntimeException.class, r::run).getStatus().getCode();
  }
}
