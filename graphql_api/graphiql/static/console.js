/* The credit bank's GraphiQL console: GraphiQL on this endpoint, and the administrators' login
   form, which puts the session token into GraphiQL's Headers editor. No other origin is used. */
(function () {
  "use strict";

  var endpoint = window.location.pathname; // the page is served by the GraphQL endpoint itself
  var socket = (window.location.protocol === "https:" ? "wss://" : "ws://") +
    window.location.host + endpoint;
  var TOKEN_EVENT = "creditbank:token";
  var HEADERS_HINT = '{\n  "Authorization": "Bearer <token>"\n}';
  var WELCOME = [
    "# 学分银行 GraphQL 控制台",
    "#",
    "# 管理员：在页面上方填写账号、密码和身份验证器上的动态口令并登录，",
    "# 令牌会自动填入下方 Headers：{\"Authorization\": \"Bearer <token>\"}。",
    "# 脚本用的令牌（python -m graphql_api.cli create-admin）也可直接粘贴到 Headers。",
    "# Ctrl-Enter 运行；Ctrl-Space 补全；左侧“Docs”查看完整的接口说明。",
    "",
    "query {",
    "  viewer {",
    "    kind",
    "    name",
    "  }",
    "}",
    ""
  ].join("\n");
  var LOGIN = "mutation AdminLogin($input: AdminLoginInput!) {\n" +
    "  adminLogin(input: $input) { token errors { field code message } }\n}";

  function withToken(text, token) {
    var headers = {};
    try {
      headers = JSON.parse(text || "{}");
    } catch (error) {
      headers = {};
    }
    if (!headers || typeof headers !== "object" || Array.isArray(headers)) {
      headers = {};
    }
    headers.Authorization = "Bearer " + token;
    return JSON.stringify(headers, null, 2);
  }

  /* Lives inside GraphiQL to reach its Headers editor when the login form has a token. */
  function TokenIntoHeaders() {
    var editors = GraphiQL.React.useEditorContext({ nonNull: true });
    var headerEditor = editors.headerEditor;
    React.useEffect(function () {
      function apply(event) {
        if (headerEditor) {
          headerEditor.setValue(withToken(headerEditor.getValue(), event.detail));
        }
      }
      window.addEventListener(TOKEN_EVENT, apply);
      return function () {
        window.removeEventListener(TOKEN_EVENT, apply);
      };
    }, [headerEditor]);
    return null;
  }

  function Console() {
    return React.createElement(
      GraphiQL,
      {
        fetcher: GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket }),
        defaultQuery: WELCOME,
        defaultHeaders: HEADERS_HINT,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
        defaultEditorToolsVisibility: "headers",
        inputValueDeprecation: true
      },
      React.createElement(GraphiQL.Footer, null, React.createElement(TokenIntoHeaders))
    );
  }

  function showStatus(text, failed) {
    var status = document.getElementById("admin-login-status");
    status.textContent = text;
    status.className = "admin-login-status" + (failed ? " failed" : "");
  }

  function logIn(event) {
    event.preventDefault();
    var form = event.target;
    var input = {
      username: form.elements.username.value,
      password: form.elements.password.value,
      code: form.elements.code.value.trim()
    };
    showStatus("正在登录…", false);
    fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ query: LOGIN, variables: { input: input } })
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        var payload = answer.data && answer.data.adminLogin;
        if (payload && payload.token) {
          form.elements.password.value = "";
          form.elements.code.value = "";
          window.dispatchEvent(new CustomEvent(TOKEN_EVENT, { detail: payload.token }));
          showStatus("已登录：令牌已填入 Headers（只保存在本页面，刷新后需重新登录）", false);
          return;
        }
        var problems = (payload && payload.errors) || answer.errors || [];
        showStatus(problems.length ? problems[0].message : "登录失败", true);
      })
      .catch(function () {
        showStatus("无法连接服务器，请稍后再试", true);
      });
  }

  document.getElementById("admin-login").addEventListener("submit", logIn);
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Console));
})();
