// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Container of repeated {@link LatencyBudget}s. */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NetlatExtension.class)
@ResourceLock(providers = NetlatResourceLocks.class)
public @interface LatencyBudgets {
    LatencyBudget[] value();
}
