package epipe.stack;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenizerFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The three analysis components of the security index's "email" analyzer (tokenizer
 * uax_url_email, filters pattern_capture and unique), which the integ-test-zip distribution
 * lacks because it leaves out the analysis-common module. Without them the security index cannot
 * be created, and with it neither API keys nor native users. Built on the same Lucene classes as
 * analysis-common; for the local stack only.
 */
public class SecurityAnalysisPlugin extends Plugin implements AnalysisPlugin {
  @Override
  public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
    return Map.of(
        "uax_url_email",
        (indexSettings, env, name, settings) ->
            new AbstractTokenizerFactory(indexSettings, settings, name) {
              @Override
              public Tokenizer create() {
                return new UAX29URLEmailTokenizer();
              }
            });
  }

  @Override
  public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
    return Map.of(
        "pattern_capture",
        (indexSettings, env, name, settings) -> {
          List<String> patterns = settings.getAsList("patterns");
          Pattern[] compiled = patterns.stream().map(Pattern::compile).toArray(Pattern[]::new);
          boolean preserve = settings.getAsBoolean("preserve_original", true);
          return new AbstractTokenFilterFactory(name, settings) {
            @Override
            public TokenStream create(TokenStream in) {
              return new PatternCaptureGroupTokenFilter(in, preserve, compiled);
            }
          };
        },
        "unique",
        (indexSettings, env, name, settings) ->
            new AbstractTokenFilterFactory(name, settings) {
              @Override
              public TokenStream create(TokenStream in) {
                return new RemoveDuplicatesTokenFilter(in);
              }
            });
  }
}
