var e,t,n,r,i,a,o,s,c,l,u=Symbol.for(`pv`),d={},f=[],p=/^m(i|n|o|s|text|space)$/,m=Array.isArray,h=f.slice,g=Object.assign;function _(e){e&&e.parentNode&&e.remove()}function v(n,r,i,a,o){var s={type:n,props:r,key:i,ref:a,__k:null,__:null,__b:0,__e:null,__c:null,constructor:u,__v:o||++t,__i:-1,__u:0};return!o&&e.vnode&&e.vnode(s),s}function y(e){return e.children}function b(e,t){this.props=e,this.context=t,this.__g=0}function x(e,t){if(t==null)return e.__&&x(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!=`function`||e.props.__P?null:x(e)}function S(t){var n,r=t.__v,i=r.__e,a=[],o=[],s=t.__P;s&&((n=g({constructor:u},r)).__v=r.__v+1,e.vnode&&e.vnode(n),M(s,n,r,t.__n,s.namespaceURI,32&r.__u?[i]:null,a,i||x(r),32&r.__u,o),n.__v=r.__v,n.__.__k[n.__i]=n,P(a,n,o),r.__=r.__e=null,n.__e!=i&&C(n))}function C(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),C(e)}function w(t){(8&t.__g||(t.__g|=8,n.push(t),i++))&&r==e.debounceRendering||((r=e.debounceRendering)||queueMicrotask)(T)}function T(){try{for(var e,t=1;n.length;)n.length>t&&n.sort(a),e=n.shift(),t=n.length,8&e.__g&&S(e)}finally{(i=n.length)&&(r||queueMicrotask)(T)}}function E(e,t,n,r,i,a,o,s,c,l,u){var p,m,h,g,_,v,y=r.__k||f,b=t.length;for(c=D(n,t,y,c,b),p=0;p<b;p++)(h=n.__k[p])!=null&&(m=~h.__i&&y[h.__i]||d,h.__i=p,v=M(e,h,m,i,a,o,s,c,l,u),g=h.__e,(m.ref!=h.ref||8&m.__u)&&(m.ref&&F(m.ref,null,h,m),h.ref&&u.push(h.ref,h.__c||g,h)),_||=g,4&h.__u?(c=O(h,c,e,!m.__v),m.__e&&(m.__e=null)):typeof h.type==`function`&&v!==void 0?c=v:g&&(c=g.nextSibling),h.__u&=-21);return n.__e=_,c}function D(e,t,n,r,i){var a,o,s,c,l,d,f,p,h,g=n.length,_=g,b=0,S=0,C=e.__k=Array(i);for(a=0;a<i;a++)(o=t[a])!=null&&typeof o!=`boolean`&&typeof o!=`function`?(typeof o!=`object`||o.constructor===String?o=C[a]=v(null,o):m(o)?o=C[a]=v(y,{children:o}):o.constructor===u&&o.__b?o=C[a]=v(o.type,o.props,o.key,o.ref,o.__v):C[a]=o,c=a+b,o.__=e,o.__b=e.__b+1,s=null,~(l=o.__i=k(o,n,c,_))&&(_--,(s=n[l])&&(s.__u|=2)),s&&s.__v?(o.__u|=16,l==c-1?b--:l==c+1?b++:l!=c&&(l>c?b--:b++,S=1)):(~l||(i>g?b--:i<g&&b++),typeof o.type!=`function`&&(o.__u|=4))):C[a]=null;if(S){for(d=[],f=[],a=0;a<i;a++)if((o=C[a])&&16&o.__u){for(b=0,p=d.length;b<p;)d[h=b+p>>1]<o.__i?b=h+1:p=h;d[b]=o.__i,f[a]=b+1}for(b=d.length;a--;)f[a]&&(f[a]==b?b--:C[a].__u|=4)}if(_)for(a=0;a<g;a++)!(s=n[a])||2&s.__u||(s.__e==r&&(r=x(s)),re(s,s));return r}function O(e,t,n,r){var i,a,o,s;if(typeof e.type==`function`){if(e.props.__P)return t;if(i=e.__k)for(a=0;a<i.length;a++)i[a]&&(i[a].__=e,t=O(i[a],t,n,!1));return t}for(t&&!t.parentNode&&(t=x(e))&&!t.parentNode&&(t=null),o=e.__e,s=t;s&&s.nodeType==8;)s=s.nextSibling;for(o!=s&&(!r&&n.moveBefore&&o.parentNode?n.moveBefore(o,t):n.insertBefore(o,t||null)),t=o;(t&&=t.nextSibling)&&t.nodeType==8&&!t.data.startsWith(`$s`););return t}function k(e,t,n,r){var i,a=e.key,o=e.type,s=t[n],c=s&&!(2&s.__u);if(s===null&&a==null||c&&a==s.key&&o==s.type)return n;if(r>+!!c){for(i=n-1;i>=0;i--)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i;for(i=n+1;i<t.length;i++)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i}return-1}function A(e,t,n){n??=``,t[0]==`-`?e.setProperty(t,n):e[t]=n}function j(e,t,n,r,i){var a,o;if(t==`style`){if(typeof n==`string`)e.style.cssText=n;else{if(typeof r==`string`&&(e.style.cssText=r=``),r)for(t in r)n&&t in n||A(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||A(e.style,t,n[t])}}else if(t[0]==`o`&&t[1]==`n`)typeof n!=`function`&&(n=null),typeof r!=`function`&&(r=null),(e.__e||={})[t]=n,n&&r||(o=l[t]||(l[t]=ee(t)),(e.__a||={})[t]=c,a=t!=(t=t.replace(s,`$1`)),(t=t.slice(2))[0]<`a`&&(t=t.toLowerCase()),n?e.addEventListener(t,o,a):e.removeEventListener(t,o,a));else{if(i==`http://www.w3.org/2000/svg`)t=t.replace(/xlink(H|:h)/,`h`).replace(/sName$/,`s`);else if(t!=`width`&&t!=`height`&&t!=`href`&&t!=`list`&&t!=`form`&&t!=`tabIndex`&&t!=`download`&&t!=`rowSpan`&&t!=`colSpan`&&t!=`role`&&t!=`popover`&&t in e)try{e[t]=n??``;return}catch{}if(typeof n==`function`)return;n==null||!1===n&&t[4]!=`-`?e.removeAttribute(t):e.setAttribute(t,t==`popover`&&n==1?``:n)}}function ee(t){return function(n){var r=this.__e;if(r){if(r=r[t],n[o]==null)n[o]=c++;else if(n[o]<this.__a[t])return;return r(e.event?e.event(n):n)}}}function M(t,n,r,i,a,o,s,c,l,d){var p,h,v,S,C,w,T,D,O,k,A,j,ee,M,P,F,I,L,R=n.type;if(n.constructor!==u)return null;128&r.__u&&(l=32&r.__u,p=r.__c.__z)&&(n.__u|=l,h=o=[],p.nodeType==8?c=N(p,o):o.push(p),c=o[0]||c),(p=e.__b)&&p(n);e:if(typeof R==`function`){v=s.length;try{if(D=n.props,O=(p=R.prototype)&&p.render,k=(p=R.contextType)&&i[p.__c],A=p?k?k.props.value:p.__:i,(S=r.__c)?(n.__c=S,2&S.__g&&(S.__g|=1)):(O?n.__c=S=new R(D,A):(n.__c=S=new b(D,A),S.constructor=R,S.render=ie),k&&k.sub(S),S.state||(S.state={}),S.__n=i,S.__g|=8,S.__h=[],S.__k=[]),O&&(S.__s||(S.__s=S.state),R.getDerivedStateFromProps&&(S.__s==S.state&&(S.__s=g({},S.__s)),g(S.__s,R.getDerivedStateFromProps(D,S.__s)))),C=S.props,w=S.state,S.__v=n,r.__c){if(D!==C&&O&&!R.getDerivedStateFromProps&&S.componentWillReceiveProps&&S.componentWillReceiveProps(D,A),n.__v==r.__v&&!(8&S.__g)||!(4&S.__g)&&S.shouldComponentUpdate&&!1===S.shouldComponentUpdate(D,S.__s,A)){n.__v!=r.__v&&(S.props=D,S.state=S.__s,S.__g&=-9),n.__e=r.__e,n.__k=r.__k,n.__k.some(function(e){e&&(e.__=n)}),f.push.apply(S.__h,S.__k),S.__k=[],S.__h.length&&s.push(S),c=x(r);break e}S.componentWillUpdate&&S.componentWillUpdate(D,S.__s,A),O&&S.componentDidUpdate&&S.__h.push(function(){S.componentDidUpdate(C,w,T)})}else O&&!R.getDerivedStateFromProps&&S.componentWillMount&&S.componentWillMount(),O&&S.componentDidMount&&S.__h.push(S.componentDidMount);S.context=A,S.props=D,S.__P=t,S.__g&=-5,j=e.__r,ee=O?25:0;do S.__g&=-9,j&&j(n),p=S.render(S.props,S.state=S.__s,S.context);while(8&S.__g&&++ee<25);O&&(f.push.apply(S.__h,S.__k),S.__k=[]),S.state=S.__s,S.getChildContext&&(i=g({},i,S.getChildContext())),O&&r.__c&&S.getSnapshotBeforeUpdate&&(T=S.getSnapshotBeforeUpdate(C,w)),M=p&&p.type===y&&p.key==null?p.props.children:p,D.__P&&(p=c,a=(t=D.__P).namespaceURI,l=o=null,r.props&&r.props.__P!=t&&(r.__k.some(function(e){e&&re(e,e)}),r.__k=null),c=r.__k?x(r,0):null),c=E(t,m(M)?M:[M],n,r,i,a,o,s,c,l,d),D.__P&&(n.__e=null,c=p),n.__u&=-161,h&&h.some(_),S.__h.length&&s.push(S),1&S.__g&&(S.__g&=-4)}catch(t){if(s.length=v,n.__v=null,l||o){if(t&&t.then){if(n.__u|=128|l,o){for(~(I=o.indexOf(c||void 0))||(I=o.length);(L=o[I-1])&&L.nodeType==8;)I--;for(;I<o.length;I++)if(L=o[I]){if(o[I]=null,P){if(L==F)break}else{if(L.nodeType!=8)break;L.data.startsWith(`$s`)&&(F=N(P=L))}}}if(!P){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;P=c}(p=N(P=n.__c.__z||(n.__c.__z=P)))?(n.__e=P,c=p):n.__e=c,c&&=c.nextSibling}else o&&o.some(_)}else n.__e=r.__e;n.__k||=r.__k||[],t&&t.then||te(n),e.__e(t,n,r)}}else c=n.__e=ne(r.__e,n,r,i,a,o,s,l,d,t);return(p=e.diffed)&&p(n),c}function N(e,t){if(e&&e.nodeType==8&&e.data.startsWith(`$s`))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith(`$s`))n++;else if(e.data.startsWith(`/$s`)&&!--n)return e}t&&t.push(e)}}function te(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(te))}function P(t,n,r){for(var i=0;i<r.length;)F(r[i++],r[i++],r[i++]);e.__c&&e.__c(n,t),t.some(function(n){try{t=n.__h,n.__h=[],t.some(function(e){e.call(n)})}catch(t){e.__e(t,n.__v)}})}function ne(t,n,r,i,a,o,s,c,l,u){var f,g,v,y,b,S,C,w,T=r.props||d,D=n.props,O=n.type;if(O==`svg`?a=`http://www.w3.org/2000/svg`:O==`math`?a=`http://www.w3.org/1998/Math/MathML`:a||=`http://www.w3.org/1999/xhtml`,o){for(f=0;f<o.length;f++)if((b=o[f])&&(O?b.localName==O:b.nodeType==3)){t=b,o[f]=null;break}}if(!t){if(w=u.ownerDocument||document,!O)return w.createTextNode(D);t=w.createElementNS(a,O,D.is?D:u),c&&=(e.__m&&e.__m(n,o),!1),o=null}if(O){if(u=O==`template`&&t.content||t,o=O==`textarea`&&D.defaultValue!=null?null:o&&h.call(u.childNodes),!c&&o)for(T={},f=0;f<t.attributes.length;f++)T[(b=t.attributes[f]).name]=b.value;for(f in T)b=T[f],f==`dangerouslySetInnerHTML`?v=b:f==`children`||f in D||f==`value`&&`defaultValue`in D||f==`checked`&&`defaultChecked`in D||j(t,f,null,b,a);for(f in D)b=D[f],f==`children`?y=b:f==`dangerouslySetInnerHTML`?g=b:f==`value`?S=b:f==`checked`?C=b:c&&typeof b!=`function`||T[f]===b||j(t,f,b,T[f],a);g?(c||v&&(g.__html==v.__html||g.__html==t.innerHTML)||(t.innerHTML=g.__html),n.__k=[]):(v&&(t.textContent=``),(O==`foreignObject`||a==`http://www.w3.org/1998/Math/MathML`&&p.test(O))&&(a=`http://www.w3.org/1999/xhtml`),E(u,m(y)?y:[y],n,r,i,a,o,s,o?o[0]:r.__k&&x(r,0),c,l),o&&o.some(_)),c&&O!=`textarea`||(f=`value`,O==`progress`&&S==null?t.removeAttribute(f):S==null||S===t[f]&&(O!=`progress`||S)||j(t,f,S,T[f],a),f=`checked`,C!=null&&C!=t[f]&&j(t,f,C,T[f],a))}else T===D||c&&t.data==D||(t.data=D);return t}function F(t,n,r,i){try{typeof t==`function`?n?n.__x=t(n)||1:(i&&=i.__c||i.__e)&&(n=i.__x)&&(i.__x=null,typeof n==`function`?n():t(null)):t.current=n}catch(t){e.__e(t,r)}}function re(t,n,r){var i,a,o,s;if(e.unmount&&e.unmount(t),!(i=t.ref)||i.current&&i.current!=t.__e||F(i,null,n,t),i=t.__c){if(i.componentWillUnmount)try{i.componentWillUnmount()}catch(t){e.__e(t,n)}i.__P=i.__n=null}if(i=t.__k)for(s=0;s<i.length;s++)i[s]&&re(i[s],n,typeof t.type!=`function`||r&&!t.props.__P);!r&&(i=t.__c)&&(i=i.__z)&&(a=N(i,o=[]))&&(i==t.__e&&o.some(_),_(a),_(i)),r||_(t.__e),t.__e=t.__c=t.__=null}function ie(e,t,n){return this.constructor(e,n)}function I(t,n){var r,i,a,o;e.__&&e.__(t,n),n.nodeType==9&&(n=n.documentElement),i=(r=t&&32&t.__u)?null:n.__k,n.__k=v(y,{children:[t]}),a=[],o=[],M(n,n.__k,i||d,d,n.namespaceURI,i?null:n.firstChild?h.call(n.childNodes):null,a,i?i.__e:n.firstChild,r,o),P(a,n.__k,o),n.__k.props.children=null}e={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(t){e=t}}throw i=0,e}},t=0,b.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=g({},this.state)),typeof e==`function`&&(e=e(g({},n),this.props)),e&&(g(n,e),this.__v&&(t&&this.__k.push(t),w(this)))},b.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),w(this))},b.prototype.render=y,n=[],i=0,a=function(e,t){return e.__v.__b-t.__v.__b},o=Symbol(),s=/(PointerCapture)$|Capture$/i,c=0,l={};var L,R,ae,oe,se=Object.is,z=0,ce=[],le=[],B=e,ue=B.__b,de=B.__r,fe=B.diffed,pe=B.__c,me=B.unmount,he=B.__;function V(e,t){B.__h&&B.__h(R,e,z||t),z=0;var n=R.__H||(R.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function H(e){return z=1,ge(Ee,e)}function ge(e,t,n){var r=V(L++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):Ee(void 0,t),function(e){var t=(r.__N||r.__)[0],n=r.t(t,e);se(t,n)||(r.__N=[n,r.__[1]],r.__c.setState({}))}],r.__c=R,!R.__f)){R.__f=!0;var i=R.shouldComponentUpdate;R.shouldComponentUpdate=function(e,t,n){var r=this.__H;if(!r)return!0;var a=!1,o=this.props!=e;if(r.__.some(function(e){e.__N&&(a=!0,se(e.__[0],e.__N[0])||(o=!0))}),i){var s=i.call(this,e,t,n);return a?s||o:s}return!a||o}}return r.__}function U(e,t){var n=V(L++,3);!B.__s&&Te(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,R.__H.__h.push(n))}function _e(e,t){var n=V(L++,4);!B.__s&&Te(n.__H,t)&&(n.__P=!1,n.__=e,n.u=t,R.__h.push(n))}function ve(e){return z=5,ye(function(){return{current:e}},[])}function ye(e,t){var n=V(L++,7);return Te(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function be(){var e;do{for(;e=le.shift();)try{W(e)}catch(t){B.__e(t,{__:(e=e.__P)&&e.__v})}for(;e=ce.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(W),t.__h.some(we),t.__h=[]}catch(n){t.__h=[],B.__e(n,e.__v)}}}while(le.length)}B.__b=function(e){R=null,ue&&ue(e)},B.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),he&&he(e,t)},B.__r=function(e){de&&de(e),L=0;var t=(R=e.__c).__H;t&&(ae==R?R.__h=[]:(t.__h.some(W),t.__h.some(we),L=0),t.__h=[],t.__.some(function(e){e.__N&&(e.__=e.__N),e.u=e.__N=void 0})),ae=R},B.diffed=function(e){fe&&fe(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Ce(ce.push(t)),t.__H.__.some(function(e){e.u&&(e.__H=e.u)})),ae=R=null},B.__c=function(e,t){t.some(function(e){try{e.__h.some(W),e.__h=e.__h.filter(function(e){return!e.__||we(e)})}catch(t){e.__h=[function(){throw t}]}}),pe&&pe(e,t)},B.unmount=function(e){me&&me(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(r){try{if(r.__P&&r.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n&&=n.__c}r.__P=n,Ce(le.push(r))}else W(r)}catch(e){t=e}}),r.__H=void 0,t&&B.__e(t,r.__v))};var xe=typeof requestAnimationFrame==`function`;function Se(e){var t,n=function(){clearTimeout(r),xe&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);xe&&(t=requestAnimationFrame(n))}function Ce(e){e!=1&&oe==B.requestAnimationFrame||((oe=B.requestAnimationFrame)||Se)(be)}function W(e){var t=R,n=e.__c;typeof n==`function`&&(e.__c=void 0,n()),R=t}function we(e){var t=R;e.__c=e.__(),R=t}function Te(e,t){return!e||e.length!=t.length||t.some(function(t,n){return!se(t,e[n])})}function Ee(e,t){return typeof t==`function`?t(e):t}function G(e){return e===null?`null`:Array.isArray(e)?`array`:typeof e}function K(e){return G(e)===`object`}function De(e){return Array.isArray(e)&&e.length>0&&e.every(e=>`message`in e)}function Oe(e,t){return e.length<124?e:t}var q=(e=>(e[e.InternalServerError=4500]=`InternalServerError`,e[e.InternalClientError=4005]=`InternalClientError`,e[e.BadRequest=4400]=`BadRequest`,e[e.BadResponse=4004]=`BadResponse`,e[e.Unauthorized=4401]=`Unauthorized`,e[e.Forbidden=4403]=`Forbidden`,e[e.SubprotocolNotAcceptable=4406]=`SubprotocolNotAcceptable`,e[e.ConnectionInitialisationTimeout=4408]=`ConnectionInitialisationTimeout`,e[e.ConnectionAcknowledgementTimeout=4504]=`ConnectionAcknowledgementTimeout`,e[e.SubscriberAlreadyExists=4409]=`SubscriberAlreadyExists`,e[e.TooManyInitialisationRequests=4429]=`TooManyInitialisationRequests`,e))(q||{}),J=(e=>(e.ConnectionInit=`connection_init`,e.ConnectionAck=`connection_ack`,e.Ping=`ping`,e.Pong=`pong`,e.Subscribe=`subscribe`,e.Next=`next`,e.Error=`error`,e.Complete=`complete`,e))(J||{});function ke(e){if(!K(e))throw Error(`Message is expected to be an object, but got ${G(e)}`);if(!e.type)throw Error(`Message is missing the 'type' property`);if(typeof e.type!=`string`)throw Error(`Message is expects the 'type' property to be a string, but got ${G(e.type)}`);switch(e.type){case`connection_init`:case`connection_ack`:case`ping`:case`pong`:if(e.payload!=null&&!K(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break;case`subscribe`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${G(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!K(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${G(e.payload)}`);if(typeof e.payload.query!=`string`)throw Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${G(e.payload.query)}`);if(e.payload.variables!=null&&!K(e.payload.variables))throw Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${G(e.payload.variables)}`);if(e.payload.operationName!=null&&G(e.payload.operationName)!==`string`)throw Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${G(e.payload.operationName)}`);if(e.payload.extensions!=null&&!K(e.payload.extensions))throw Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${G(e.payload.extensions)}`);break;case`next`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${G(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!K(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${G(e.payload)}`);break;case`error`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${G(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!De(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break;case`complete`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${G(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);break;default:throw Error(`Invalid message 'type' property "${e.type}"`)}return e}function Ae(e,t){return ke(typeof e==`string`?JSON.parse(e,t):e)}function Y(e,t){return ke(e),JSON.stringify(e,t)}function je(e){let{url:t,connectionParams:n,lazy:r=!0,onNonLazyError:i=console.error,lazyCloseTimeout:a=0,keepAlive:o=0,disablePong:s,connectionAckWaitTimeout:c=0,retryAttempts:l=5,retryWait:u=async function(e){let t=2**e;await new Promise(e=>setTimeout(e,t*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:d=Ne,on:f,webSocketImpl:p,generateID:m=function(){return`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.replace(/[xy]/g,e=>{let t=Math.random()*16|0;return(e==`x`?t:t&3|8).toString(16)})},jsonMessageReplacer:h,jsonMessageReviver:g}=e,_;if(p){if(!Fe(p))throw Error(`Invalid WebSocket implementation provided`);_=p}else typeof WebSocket<`u`?_=WebSocket:typeof global<`u`?_=global.WebSocket||global.MozWebSocket:typeof window<`u`&&(_=window.WebSocket||window.MozWebSocket);if(!_)throw Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");let v=_,y=(()=>{let e=(()=>{let e={};return{on(t,n){return e[t]=n,()=>{delete e[t]}},emit(t){`id`in t&&e[t.id]?.(t)}}})(),t={connecting:f?.connecting?[f.connecting]:[],opened:f?.opened?[f.opened]:[],connected:f?.connected?[f.connected]:[],ping:f?.ping?[f.ping]:[],pong:f?.pong?[f.pong]:[],message:f?.message?[e.emit,f.message]:[e.emit],closed:f?.closed?[f.closed]:[],error:f?.error?[f.error]:[]};return{onMessage:e.on,on(e,n){let r=t[e];return r.push(n),()=>{let e=r.indexOf(n);e>-1&&r.splice(e,1)}},emit(e,...n){for(let r of[...t[e]])r(...n)}}})();function b(e){let t=[y.on(`error`,n=>{t.forEach(e=>e()),e(n)}),y.on(`closed`,n=>{t.forEach(e=>e()),e(n)})];return()=>t.forEach(e=>e())}let x,S=0,C,w=!1,T=0,E=!1;async function D(){clearTimeout(C);let[e,r]=await(x??=new Promise((e,r)=>(async()=>{if(w){if(await u(T),!S)return x=void 0,r({code:1e3,reason:`All Subscriptions Gone`});T++}y.emit(`connecting`,w);let i=new v(typeof t==`function`?await t():t,`graphql-transport-ws`),a,l;function d(){isFinite(o)&&o>0&&(clearTimeout(l),l=setTimeout(()=>{i.readyState===v.OPEN&&(i.send(Y({type:J.Ping})),y.emit(`ping`,!1,void 0))},o))}b(e=>{x=void 0,clearTimeout(a),clearTimeout(l),r(e),e instanceof Me&&(i.close(4499,`Terminated`),i.onerror=null,i.onclose=null)}),i.onerror=e=>y.emit(`error`,e),i.onclose=e=>y.emit(`closed`,e),i.onopen=async()=>{try{y.emit(`opened`,i);let e=typeof n==`function`?await n():n;if(i.readyState!==v.OPEN)return;i.send(Y(e?{type:J.ConnectionInit,payload:e}:{type:J.ConnectionInit},h)),isFinite(c)&&c>0&&(a=setTimeout(()=>{i.close(q.ConnectionAcknowledgementTimeout,`Connection acknowledgement timeout`)},c)),d()}catch(e){y.emit(`error`,e),i.close(q.InternalClientError,Oe(e instanceof Error?e.message:String(e),`Internal client error`))}};let f=!1;i.onmessage=({data:t})=>{try{let n=Ae(t,g);if(y.emit(`message`,n),n.type===`ping`||n.type===`pong`){y.emit(n.type,!0,n.payload),n.type===`pong`?d():s||(i.send(Y(n.payload?{type:J.Pong,payload:n.payload}:{type:J.Pong},h)),y.emit(`pong`,!1,n.payload));return}if(f)return;if(n.type!==J.ConnectionAck)throw Error(`First message cannot be of type ${n.type}`);clearTimeout(a),f=!0,y.emit(`connected`,i,n.payload,w),w=!1,T=0;let r=new Promise((e,t)=>b(t));r.catch(()=>{}),e([i,r])}catch(e){i.onmessage=null,y.emit(`error`,e),i.close(q.BadResponse,Oe(e instanceof Error?e.message:String(e),`Bad response`))}}})()));e.readyState===v.CLOSING&&await r;let i=()=>{},l=new Promise(e=>i=e);return[e,i,new Promise((t,n)=>{let i=b(n);e.readyState!==v.OPEN&&r.catch(n),l.then(()=>{if(i(),!S){let t=()=>e.close(1e3,`Normal Closure`);isFinite(a)&&a>0?(clearTimeout(C),C=setTimeout(()=>{!S&&e.readyState===v.OPEN&&t()},a)):t()}t()})})]}function O(e){if(Ne(e)&&(Pe(e.code)||[q.InternalServerError,q.InternalClientError,q.BadRequest,q.BadResponse,q.Unauthorized,q.SubprotocolNotAcceptable,q.SubscriberAlreadyExists,q.TooManyInitialisationRequests].includes(e.code)))throw e;if(E)return!1;if(Ne(e)&&e.code===1e3)return S>0;if(!l||T>=l||!d(e))throw e;return w=!0}r||(async()=>{for(S++;;)try{let[,,e]=await D();await e}catch(e){try{if(!O(e))return}catch(e){return i?.(e)}}})();function k(e,t){let n=m(e),r=!1,i=!1,a=()=>{S--,r=!0};return(async()=>{for(S++;;)try{let[o,s,c]=await D();if(r)return c.catch(()=>{}),s();let l=y.onMessage(n,e=>{switch(e.type){case J.Next:t.next(e.payload);return;case J.Error:i=!0,r=!0,t.error(e.payload),a();return;case J.Complete:r=!0,a();return}});o.send(Y({id:n,type:J.Subscribe,payload:e},h)),a=()=>{!r&&o.readyState===v.OPEN&&o.send(Y({id:n,type:J.Complete},h)),S--,r=!0,s()},await c.finally(l);return}catch(e){if(!O(e))return}})().then(()=>{i||t.complete()}).catch(e=>{t.error(e)}),()=>{r||a()}}return{on:y.on,subscribe:k,iterate(e){let t=[],n={done:!1,error:null,resolve:()=>{}},r=k(e,{next(e){t.push(e),n.resolve()},error(e){n.done=!0,n.error=e,n.resolve()},complete(){n.done=!0,n.resolve()}}),i=async function*(){for(;;){for(t.length||await new Promise(e=>n.resolve=e);t.length;)yield t.shift();if(n.error)throw n.error;if(n.done)return}}();return i.throw=async e=>(n.done||(n.done=!0,n.error=e,n.resolve()),{done:!0,value:void 0}),i.return=async()=>(r(),{done:!0,value:void 0}),i},async dispose(){if(E=!0,x){let[e]=await x;e.close(1e3,`Normal Closure`)}},terminate(){x&&y.emit(`closed`,new Me)}}}var Me=class extends Error{name=`TerminatedCloseEvent`;message=`4499: Terminated`;code=4499;reason=`Terminated`;wasClean=!1};function Ne(e){return K(e)&&`code`in e&&`reason`in e}function Pe(e){return![1e3,1001,1006,1005,1012,1013,1014].includes(e)&&e>=1e3&&e<=1999}function Fe(e){return typeof e==`function`&&`constructor`in e&&`CLOSED`in e&&`CLOSING`in e&&`CONNECTING`in e&&`OPEN`in e}var Ie=document.body.dataset.graphql??`/graphql`;function Le(e){return(e??[]).map(e=>({message:e.message,code:e.extensions?.code??`ERROR`,field:e.extensions?.field??null}))}var Re=new Set;function ze(e){return Re.add(e),()=>Re.delete(e)}async function X(e,t){let n;try{n=await fetch(Ie,{method:`POST`,credentials:`same-origin`,headers:{"Content-Type":`application/json`,Accept:`application/json`},body:JSON.stringify({query:e.toString(),variables:t??{}})})}catch{return{data:null,problems:[{message:`The server cannot be reached.`,code:`NETWORK`,field:null}]}}let r=await n.json().catch(()=>({})),i=Le(r.errors);return!n.ok&&i.length===0&&i.push({message:`The server answered ${n.status}.`,code:`HTTP`,field:null}),i.some(e=>e.code===`UNAUTHENTICATED`)&&Re.forEach(e=>e()),i.length>0||r.data==null?{data:null,problems:i}:{data:r.data,problems:[]}}function Be(e,t){return e.find(e=>e.field===t)}function Ve(e,t){return e.filter(e=>e.field===null||!t.includes(e.field))}var Z=null;function He(){if(Z===null){let e=new URL(Ie,location.href);e.protocol=e.protocol===`https:`?`wss:`:`ws:`,Z=je({url:e.toString(),lazy:!0,on:{connected:()=>document.body.dataset.feed=`connected`,closed:()=>document.body.dataset.feed=`closed`},retryAttempts:1/0,shouldRetry:()=>!0,retryWait:e=>new Promise(t=>setTimeout(t,Math.min(500*2**e,5e3)))})}return Z}function Ue(){Z?.dispose(),Z=null}var Q=class extends String{__apiType;value;__meta__;constructor(e,t){super(e),this.value=e,this.__meta__=t}toString(){return this.value}};new Q(`
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}
    `,{fragmentName:`TablePreset`}),new Q(`
    query AuditLog($filter: AuditLogFilter, $after: String) {
  auditLog(filter: $filter, first: 50, after: $after) {
    edges {
      node {
        id
        userId
        timestamp
        operation
        entityType
        entityId
        result
        errorMessage
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `),new Q(`
    query CatalogItems($filter: ToolItemFilter, $after: String) {
  toolItems(filter: $filter, first: 25, after: $after, orderBy: {field: NAME}) {
    totalCount
    edges {
      node {
        id
        name
        category
        manufacturer
        partNumber
        toolType
        tags
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `),new Q(`
    query WhereUsed($id: ID!) {
  toolItem(id: $id) {
    id
    name
    assemblies {
      id
      name
      instances {
        id
        serialNumber
        presets {
          id
          name
          machineId
          toolNumber
        }
      }
    }
    instances {
      id
      serialNumber
      presets {
        id
        name
        machineId
        toolNumber
      }
    }
  }
}
    `),new Q(`
    query InstanceLife($id: ID!) {
  toolInstance(id: $id) {
    id
    serialNumber
    status
    measurements
    toolAssembly {
      id
      name
    }
    usages {
      id
      startTime
      endTime
      cutTime
      cycleCount
      wearMeasurements
      machineId
      programName
    }
  }
}
    `),new Q(`
    query ApiKeys {
  apiKeys {
    id
    name
    scopes
    tags
    machineId
    expiresAt
    revokedAt
    isActive
  }
}
    `),new Q(`
    mutation CreateApiKey($name: String!, $scopes: [String!]!, $tags: [String!], $machineId: String) {
  createApiKey(name: $name, scopes: $scopes, tags: $tags, machineId: $machineId) {
    secret
    apiKey {
      id
      name
      scopes
      tags
      machineId
      isActive
    }
  }
}
    `),new Q(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    id
    isActive
    revokedAt
  }
}
    `);var We=new Q(`
    query MachineIds($after: String) {
  toolPresets(first: 1000, after: $after, orderBy: {field: MACHINE_ID}) {
    edges {
      node {
        machineId
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `),Ge=new Q(`
    query ToolTable($machineId: String!) {
  toolPresets(filter: {machineId: $machineId}, first: 1000) {
    totalCount
    edges {
      node {
        ...TablePreset
      }
    }
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`),Ke=new Q(`
    query PresetRow($id: ID!) {
  toolPreset(id: $id) {
    ...TablePreset
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`),qe=new Q(`
    mutation UpdatePreset($input: ToolPresetUpdateInput!) {
  updateToolPresets(input: [$input], atomic: true) {
    results {
      ...TablePreset
    }
    errors {
      code
      message
      field
    }
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`),Je=new Q(`
    subscription Changes($after: String) {
  changes(after: $after) {
    cursor
    entityType
    entityId
    operation
    version
  }
}
    `),Ye=new Q(`
    query Me {
  me {
    id
    email
    isAdmin
    isActive
  }
}
    `),Xe=new Q(`
    mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    id
    email
    isAdmin
    isActive
  }
}
    `),Ze=new Q(`
    mutation Register($email: String!, $password: String!) {
  register(email: $email, password: $password) {
    id
    email
    isAdmin
    isActive
  }
}
    `),Qe=new Q(`
    mutation Logout {
  logout
}
    `);new Q(`
    query ToolSets {
  toolSets(first: 200, orderBy: {field: NAME}) {
    edges {
      node {
        id
        name
        version
        type
        status
        machineId
      }
    }
  }
}
    `),new Q(`
    query ToolSetDetail($id: ID!) {
  toolSet(id: $id) {
    id
    name
    version
    type
    status
    machineId
    members
    toolPresets {
      id
      name
      toolNumber
      machineId
    }
    toolInstances {
      id
      serialNumber
      status
    }
  }
  toolSetHistory(toolSetId: $id) {
    version
    changedAt
    changedBy
    changeSummary
    isCurrent
  }
}
    `),new Q(`
    query CompareToolSetVersions($id: ID!, $a: Int!, $b: Int!) {
  compareToolSetVersions(toolSetId: $id, versionA: $a, versionB: $b) {
    totalChanges
    differences {
      field
      valueA
      valueB
    }
  }
}
    `),new Q(`
    mutation RestoreToolSetVersion($id: ID!, $version: Int!) {
  restoreToolSetVersion(toolSetId: $id, version: $version) {
    id
    version
  }
}
    `),new Q(`
    query Users {
  users {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `),new Q(`
    mutation CreateUser($email: String!, $password: String!, $isAdmin: Boolean!) {
  createUser(email: $email, password: $password, isAdmin: $isAdmin) {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `),new Q(`
    mutation UpdateUser($id: ID!, $isAdmin: Boolean, $isActive: Boolean) {
  updateUser(id: $id, isAdmin: $isAdmin, isActive: $isActive) {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `);function $e(){let e=()=>location.hash.replace(/^#\/?/,``).split(`/`).filter(e=>e!==``).map(decodeURIComponent),[t,n]=H(e);return U(()=>{let t=()=>n(e());return window.addEventListener(`hashchange`,t),()=>window.removeEventListener(`hashchange`,t)},[]),t}function et(...e){return`#/`+e.map(encodeURIComponent).join(`/`)}var tt=Symbol.for(`pv`),nt=0;Array.isArray;function $(t,n,r,i,a,o){n||={};var s,c,l=n;if(`ref`in l&&typeof t!=`function`)for(c in l={},n)c==`ref`?s=n[c]:l[c]=n[c];var u={type:t,props:l,key:r,ref:s,__k:null,__:null,__b:0,__e:null,__c:null,constructor:tt,__v:--nt,__i:-1,__u:0};return(a||o)&&(u.__source=a,u.__self=o),e.vnode&&e.vnode(u),u}function rt(e){let t=Be(e.problems,e.name);return $(`label`,{class:t?`field invalid`:`field`,children:[$(`span`,{children:e.label}),e.children,t&&$(`em`,{class:`error`,role:`alert`,"data-field":e.name,children:t.message})]})}function it(e){return e.problems.length===0?null:$(`ul`,{class:`problems`,role:`alert`,children:e.problems.map((e,t)=>$(`li`,{children:e.message},t))})}function at(){return $(`p`,{class:`muted`,children:`Loading…`})}function ot(){let[e,t]=H(null),[n,r]=H([]);return U(()=>{(async()=>{let e=new Map,n=null;for(;;){let t=await X(We,{after:n});if(t.data===null)return r(t.problems);for(let{node:n}of t.data.toolPresets.edges)e.set(n.machineId,(e.get(n.machineId)??0)+1);let i=t.data.toolPresets.pageInfo;if(!i.hasNextPage)break;n=i.endCursor??null}t(e)})()},[]),$(`section`,{children:[$(`h1`,{children:`Machines`}),$(it,{problems:n}),e===null?n.length===0&&$(at,{}):e.size===0?$(`p`,{class:`muted`,children:`No machine has a preset yet.`}):$(`ul`,{class:`machines`,children:[...e.entries()].map(([e,t])=>$(`li`,{children:[$(`a`,{href:et(`machines`,e),children:e}),` `,$(`span`,{class:`muted`,children:[t,` presets`]})]},e))})]})}function st(e){let[t,n]=H(``),[r,i]=H(``),[a,o]=H([]),[s,c]=H(!1),l=async n=>{n.preventDefault(),c(!0);let a={email:t,password:r};if(e.firstRun){let e=await X(Ze,a);if(e.data===null){o(e.problems),c(!1);return}}let s=await X(Xe,a);c(!1),i(``),s.data?e.onSignedIn(s.data.login):o(s.problems)};return $(`main`,{class:`sign-in`,children:[$(`h1`,{children:e.firstRun?`Create the first account`:`Sign in`}),e.firstRun&&$(`p`,{children:`This server has no account yet. The first one becomes its admin.`}),$(`form`,{onSubmit:e=>void l(e),children:[$(it,{problems:Ve(a,[`email`,`password`])}),$(rt,{label:`Email`,name:`email`,problems:a,children:$(`input`,{name:`email`,type:`email`,autocomplete:`username`,required:!0,value:t,onInput:e=>n(e.currentTarget.value)})}),$(rt,{label:`Password`,name:`password`,problems:a,children:$(`input`,{name:`password`,type:`password`,autocomplete:e.firstRun?`new-password`:`current-password`,required:!0,value:r,onInput:e=>i(e.currentTarget.value)})}),$(`button`,{type:`submit`,disabled:s,children:e.firstRun?`Create admin account`:`Sign in`})]})]})}function ct(e,t){let n=e,r=!1,i=()=>void 0,a=()=>{r||(i=He().subscribe({query:Je.toString(),variables:{after:n}},{next:e=>{let r=e.data?.changes;r&&(n=r.cursor,t(r))},error:()=>setTimeout(a,1e3),complete:()=>setTimeout(a,1e3)}))};return a(),()=>{r=!0,i()}}var lt=[`name`,`toolNumber`,`pocket`];function ut(e,t){if(e.trim()===``)return null;let n=Number(e);return Number.isInteger(n)?n:{message:`Enter a whole number.`,code:`VALIDATION`,field:t}}function dt(e){let[t,n]=H(e.preset.name),[r,i]=H(String(e.preset.toolNumber??``)),[a,o]=H(String(e.preset.pocket??``)),[s,c]=H(e.preset.version),[l,u]=H([]),[d,f]=H(!1),p=ve(null);U(()=>p.current?.focus(),[]);let m=async n=>{n.preventDefault();let i=[ut(r,`toolNumber`),ut(a,`pocket`)],o=i.filter(e=>typeof e==`object`&&!!e);if(o.length>0)return u(o);let[c,l]=i,d=await X(qe,{input:{id:e.preset.id,expectedVersion:s,name:t,toolNumber:c,pocket:l}});if(d.data===null)return u(d.problems);let p=d.data.updateToolPresets,m=p.errors.map(e=>({message:e.message,code:e.code,field:e.field??null}));f(m.some(e=>e.code===`VERSION_CONFLICT`)),u(m);let h=p.results[0];m.length===0&&h&&(e.onSaved(h),e.onClose())},h=async()=>{let t=await X(Ke,{id:e.preset.id});return t.data===null&&u(t.problems),t.data?.toolPreset??null},g=async()=>{let t=await h();t!==null&&(e.onSaved(t),e.onClose())},_=async()=>{let e=await h();e!==null&&(c(e.version),f(!1),u([]),p.current?.focus())},v=e=>{let t=Be(l,e);return t&&$(`em`,{class:`error`,role:`alert`,"data-field":e,children:t.message})},y=d?l.filter(e=>e.code!==`VERSION_CONFLICT`):l;return $(`tr`,{class:`editing`,"data-id":e.preset.id,children:$(`td`,{colSpan:7,children:$(`form`,{class:`inline`,onSubmit:e=>void m(e),onKeyDown:t=>t.key===`Escape`&&e.onClose(),"aria-label":`Edit preset ${e.preset.name}`,children:[$(`label`,{children:[`T `,$(`input`,{name:`toolNumber`,inputMode:`numeric`,size:4,value:r,onInput:e=>i(e.currentTarget.value)}),v(`toolNumber`)]}),$(`label`,{children:[`Pocket `,$(`input`,{name:`pocket`,inputMode:`numeric`,size:4,value:a,onInput:e=>o(e.currentTarget.value)}),v(`pocket`)]}),$(`label`,{children:[`Name `,$(`input`,{ref:p,name:`name`,value:t,onInput:e=>n(e.currentTarget.value)}),v(`name`)]}),$(`button`,{type:`submit`,children:`Save`}),$(`button`,{type:`button`,onClick:e.onClose,children:`Cancel`}),$(it,{problems:Ve(y,lt)}),d&&$(`div`,{class:`conflict`,role:`alert`,children:[`Someone else changed this preset since you opened it.`,` `,$(`button`,{type:`button`,onClick:()=>void g(),children:`Reload the row`}),` `,$(`button`,{type:`button`,onClick:()=>void _(),children:`Keep my edits`})]})]})})})}var ft=5e3;function pt(e,t){return(e.toolNumber??1/0)-(t.toolNumber??1/0)||e.name.localeCompare(t.name)}function mt(e,t){if(t.entityType===`TOOL_PRESET`)return[t.entityId];let n=t.entityId;return[...e.values()].filter(e=>{let t=e.toolInstance;if(!t)return!1;let r=t.toolAssembly;return t.id===n||r?.id===n||(r?.components??[]).some(e=>e.item?.id===n)}).map(e=>e.id)}function ht(e){let[t,n]=H(null),[r,i]=H(new Set),[a,o]=H([]),[s,c]=H(null),l=ve(new Map),u=ve(null),d=e=>{i(t=>new Set(t).add(e)),setTimeout(()=>{i(t=>{let n=new Set(t);return n.delete(e),n})},ft)},f=async t=>{let r=await X(Ke,{id:t}),i=new Map(l.current),a=r.data?.toolPreset;a&&a.machineId===e.machineId?(i.set(t,a),d(t)):r.data&&i.delete(t),l.current=i,n(i)};U(()=>{let t=!0;(async()=>{let r=await X(Ge,{machineId:e.machineId});if(!t)return;if(r.data===null)return o(r.problems);performance.mark(`tool-table-data`);let i=new Map(r.data.toolPresets.edges.map(({node:e})=>[e.id,e]));l.current=i,n(i)})();let r=ct(null,e=>{for(let t of mt(l.current,e))f(t)});return()=>{t=!1,r()}},[e.machineId]),_e(()=>{t!==null&&performance.getEntriesByName(`tool-table-data`).length>0&&(u.current?.offsetHeight,performance.measure(`tool-table-render`,`tool-table-data`),performance.clearMarks(`tool-table-data`))},[t]);let p=ye(()=>t?[...t.values()].sort(pt):[],[t]),m=e=>{let t=e.target;if(t.tagName!==`TR`)return;let n=t=>{t instanceof HTMLElement&&(e.preventDefault(),t.focus())};e.key===`ArrowDown`?n(t.nextElementSibling):e.key===`ArrowUp`?n(t.previousElementSibling):e.key===`Home`?n(u.current?.firstElementChild??null):e.key===`End`?n(u.current?.lastElementChild??null):e.key===`Enter`&&(e.preventDefault(),c(t.dataset.id??null))},h=e=>{c(null),requestAnimationFrame(()=>u.current?.querySelector(`tr[data-id="${e}"]`)?.focus())};return $(`section`,{children:[$(`p`,{children:[$(`a`,{href:et(`machines`),children:`Machines`}),` /`]}),$(`h1`,{children:[`Tool table of `,$(`span`,{class:`machine-id`,children:e.machineId})]}),$(it,{problems:a}),t===null?a.length===0&&$(at,{}):$(y,{children:[$(`p`,{class:`muted`,"aria-live":`polite`,children:[t.size,` presets · live`]}),$(`table`,{class:`tool-table`,"aria-label":`Tool table of ${e.machineId}`,children:[$(`thead`,{children:$(`tr`,{children:[$(`th`,{scope:`col`,children:`T`}),$(`th`,{scope:`col`,children:`Pocket`}),$(`th`,{scope:`col`,children:`Preset`}),$(`th`,{scope:`col`,children:`Instance`}),$(`th`,{scope:`col`,children:`Assembly`}),$(`th`,{scope:`col`,children:`Items`}),$(`th`,{scope:`col`,children:`v`})]})}),$(`tbody`,{ref:u,onKeyDown:m,children:p.map(e=>s===e.id?$(dt,{preset:e,onClose:()=>h(e.id),onSaved:e=>{let t=new Map(l.current).set(e.id,e);l.current=t,n(t)}},e.id):$(gt,{row:e,fresh:r.has(e.id),onEdit:()=>c(e.id)},e.id))})]})]})]})}function gt(e){let{row:t}=e,n=t.toolInstance,r=n?.toolAssembly;return $(`tr`,{tabIndex:0,"data-id":t.id,class:e.fresh?`fresh`:void 0,onDblClick:e.onEdit,children:[$(`td`,{children:t.toolNumber??``}),$(`td`,{children:t.pocket??``}),$(`td`,{children:[t.name,e.fresh&&$(`span`,{class:`badge`,children:`new`})]}),$(`td`,{children:n?$(`a`,{href:et(`instances`,n.id),children:n.serialNumber??n.id}):`—`}),$(`td`,{children:r?.name??`—`}),$(`td`,{children:(r?.components??[]).map((e,t)=>$(`span`,{class:`item`,children:[e.item?.name??`?`,` `,$(`small`,{children:e.role.toLowerCase()})]},t))}),$(`td`,{children:t.version})]})}var _t=[[`machines`,`Machines`,!1]];function vt(e){let[t,n]=e.route;return t===`machines`?n===void 0?$(ot,{}):$(ht,{machineId:n}):$(ot,{})}function yt(){let e=$e(),[t,n]=H(void 0),r=async()=>{let e=await X(Ye);n(e.data?e.data.me:null)};if(U(()=>(r(),ze(()=>n(null))),[]),t===void 0)return $(at,{});if(t===null)return $(st,{firstRun:document.body.dataset.firstRun===`true`,onSignedIn:e=>{Ue(),document.body.dataset.firstRun=`false`,n(e)}});let i=async()=>{await X(Qe),Ue(),n(null)},a=e[0]===`instances`?`machines`:e[0]??`machines`;return $(`div`,{class:`app`,children:[$(`header`,{children:[$(`strong`,{class:`brand`,children:`smooth-gql tool room`}),$(`nav`,{"aria-label":`Screens`,children:_t.filter(([,,e])=>!e||t.isAdmin).map(([e,t])=>$(`a`,{href:et(e),"aria-current":a===e?`page`:void 0,children:t},e))}),$(`span`,{class:`who`,children:[t.email,t.isAdmin&&` (admin)`]}),$(`button`,{type:`button`,onClick:()=>void i(),children:`Sign out`})]}),$(`main`,{children:$(vt,{route:e},e.join(`/`))})]})}I($(yt,{}),document.getElementById(`app`));