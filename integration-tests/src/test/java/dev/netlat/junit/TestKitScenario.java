// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that only runs inside {@link TestKit} (EngineTestKit sets {@code netlat.testkit=true}); in the
 * normal Surefire run it is disabled, whatever the include patterns pick up.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(TestKitScenario.OnlyInTestKit.class)
public @interface TestKitScenario {

    class OnlyInTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<String> v = context.getConfigurationParameter(TestKit.MARKER);
            return v.filter("true"::equals).isPresent()
                    ? ConditionEvaluationResult.enabled("running inside EngineTestKit")
                    : ConditionEvaluationResult.disabled("netlat EngineTestKit scenario: runs only inside TestKit");
        }
    }
}
